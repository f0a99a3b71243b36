package sweeper_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/hookrelay/hookrelay/infra/local/localtest"
	"github.com/hookrelay/hookrelay/shared/deliver"
	"github.com/hookrelay/hookrelay/shared/dynamo"
	"github.com/hookrelay/hookrelay/shared/fanout"
	"github.com/hookrelay/hookrelay/shared/sender"
	"github.com/hookrelay/hookrelay/shared/sqs"
	"github.com/hookrelay/hookrelay/shared/sweeper"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

func TestMain(m *testing.M) { os.Exit(localtest.Main(m)) }

// crashingQueue is the delivery queue of a fanout that dies between writing
// its deliveries and enqueuing their messages.
type crashingQueue struct{ webhook.Queue }

func (crashingQueue) Enqueue(context.Context, []webhook.Message) error {
	return errors.New("crash: the process died before SendMessageBatch")
}

// recorder is a loopback receiver counting requests per webhook-id.
type recorder struct {
	mu  sync.Mutex
	ids map[string]int
}

func newRecorder(t *testing.T) (*recorder, string) {
	r := &recorder{ids: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.ids[req.Header.Get("webhook-id")]++
		r.mu.Unlock()
		w.WriteHeader(200)
	}))
	t.Cleanup(srv.Close)
	return r, srv.URL
}

func (r *recorder) count(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ids[id]
}

type fixture struct {
	env     *localtest.Env
	store   *dynamo.Store
	queue   *sqs.Queue
	deliver *deliver.Handler
	logs    *bytes.Buffer
}

const grace = 30 * time.Second

func setup(t *testing.T) *fixture {
	env := localtest.New(t, 3)
	f := &fixture{env: env, store: dynamo.New(env.DynamoDB, env.Prefix), logs: &bytes.Buffer{}}
	f.queue = sqs.New(env.SQS, env.Queues.Delivery, env.Queues.DeadLetter)
	f.deliver = &deliver.Handler{
		Store: f.store, Queue: f.queue, Schedule: webhook.Schedule{0, time.Second, time.Second},
		Sender: sender.New(sender.Options{AllowPrivate: true}), Logger: slog.New(slog.NewJSONHandler(f.logs, nil)),
		Now: time.Now, SweepGrace: grace,
	}
	return f
}

func (f *fixture) sweeper(now time.Time) *sweeper.Handler {
	return &sweeper.Handler{
		Store: f.store, Queue: f.queue, Grace: grace, Policy: webhook.DefaultHealthPolicy,
		Logger: slog.New(slog.NewJSONHandler(f.logs, nil)), Now: func() time.Time { return now },
	}
}

// receive takes every message now in the delivery queue as one SQS event.
func (f *fixture) receive(t *testing.T) events.SQSEvent {
	t.Helper()
	var ev events.SQSEvent
	for {
		res, err := f.env.SQS.ReceiveMessage(context.Background(), &awssqs.ReceiveMessageInput{
			QueueUrl: aws.String(f.env.Queues.Delivery), MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Messages) == 0 {
			return ev
		}
		for _, m := range res.Messages {
			ev.Records = append(ev.Records, events.SQSMessage{MessageId: aws.ToString(m.MessageId), ReceiptHandle: aws.ToString(m.ReceiptHandle), Body: aws.ToString(m.Body)})
		}
	}
}

func (f *fixture) webhookTo(t *testing.T, url string) webhook.Webhook {
	t.Helper()
	w, err := webhook.NewWebhook("acme", webhook.WebhookInput{URL: &url, EventTypes: &[]string{"*"}}, true, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.CreateWebhook(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	return w
}

func (f *fixture) event(t *testing.T, id string) webhook.Event {
	t.Helper()
	e := webhook.Event{ID: id, TenantID: "acme", Type: "registration.created", Timestamp: time.Now().UTC(), Data: json.RawMessage(`{"n":1}`)}
	if _, _, err := f.store.PutEvent(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	return e
}

// A fanout that crashes between writing the deliveries and enqueuing them
// loses nothing: the sweeper finds the pending deliveries through the sparse
// index once they are overdue by the grace, and deliver delivers them.
func TestSweeperDeliversWhatACrashedFanoutWroteButNeverEnqueued(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	rec, url := newRecorder(t)
	hooks := []webhook.Webhook{f.webhookTo(t, url+"/a"), f.webhookTo(t, url+"/b")}
	e := f.event(t, "evt_crash_1")

	crashed := &fanout.Handler{Store: f.store, Queue: crashingQueue{f.queue}, Schedule: f.deliver.Schedule,
		Logger: slog.New(slog.NewJSONHandler(f.logs, nil)), Now: time.Now}
	if err := crashed.Event(ctx, e); err == nil {
		t.Fatal("the crashing fanout reported success")
	}
	ds, err := f.store.EventDeliveries(ctx, "acme", e.ID)
	if err != nil || len(ds) != len(hooks) {
		t.Fatalf("deliveries after the crash: %v %v", ds, err)
	}
	if got := f.receive(t); len(got.Records) != 0 {
		t.Fatalf("the crashed fanout enqueued %d messages", len(got.Records))
	}

	// Not yet overdue by the grace: nothing is swept.
	if n, err := f.sweeper(time.Now()).Sweep(ctx); err != nil || n != 0 {
		t.Fatalf("sweep within the grace: %d, %v", n, err)
	}
	later := time.Now().Add(grace + time.Second)
	if n, err := f.sweeper(later).Sweep(ctx); err != nil || n != len(hooks) {
		t.Fatalf("sweep after the grace: %d, %v", n, err)
	}
	ev := f.receive(t)
	if len(ev.Records) != len(hooks) {
		t.Fatalf("%d messages after the sweep, want %d", len(ev.Records), len(hooks))
	}
	if resp, _ := f.deliver.Handle(ctx, ev); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("deliver kept %+v", resp.BatchItemFailures)
	}
	for _, d := range ds {
		got, _ := f.store.GetDelivery(ctx, "acme", d.ID)
		if got.Status != webhook.StatusSucceeded || rec.count(d.ID) != 1 {
			t.Fatalf("delivery %s: status %s, %d requests", d.ID, got.Status, rec.count(d.ID))
		}
	}
	// Done deliveries leave the index: the next sweep finds nothing.
	if n, err := f.sweeper(later.Add(time.Hour)).Sweep(ctx); err != nil || n != 0 {
		t.Fatalf("sweep after delivery: %d, %v", n, err)
	}
}

// A sweep message takes a delivery over from an owner presumed lost, but
// only once the delivery is overdue by the grace; the old owner is then a
// duplicate.
func TestSweepMessageTakesOverOnlyFromALostOwner(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	rec, url := newRecorder(t)
	w := f.webhookTo(t, url)
	e := f.event(t, "evt_takeover_1")
	d := webhook.Delivery{ID: webhook.DeliveryID("acme", e.ID, w.ID), TenantID: "acme", EventID: e.ID, EventType: e.Type,
		WebhookID: w.ID, Status: webhook.StatusPending, NextAttemptAt: time.Now(), CreatedAt: time.Now(), Attempts: []webhook.Attempt{}}
	if _, _, err := f.store.CreateDelivery(ctx, d); err != nil {
		t.Fatal(err)
	}
	// Attempt 1 failed under message "lost-owner", which then vanished;
	// attempt 2 was due a moment ago.
	if err := f.store.RecordAttempt(ctx, "acme", d.ID, webhook.AttemptUpdate{
		Attempt: webhook.Attempt{Attempt: 1, StartedAt: time.Now(), StatusCode: 500, Error: webhook.ErrHTTPStatus},
		Status:  webhook.StatusPending, NextAttemptAt: time.Now(), Message: "lost-owner",
	}); err != nil {
		t.Fatal(err)
	}
	sweep := webhook.Message{DeliveryID: d.ID, TenantID: "acme", EventID: e.ID, WebhookID: w.ID, Sweep: true}

	// Within the grace a sweep message is a duplicate: dropped, no request.
	if err := f.queue.Enqueue(ctx, []webhook.Message{sweep}); err != nil {
		t.Fatal(err)
	}
	if resp, _ := f.deliver.Handle(ctx, f.receive(t)); len(resp.BatchItemFailures) != 0 || rec.count(d.ID) != 0 {
		t.Fatalf("a sweep within the grace was attempted (%d requests)", rec.count(d.ID))
	}

	// Past the grace it takes over and makes attempt 2.
	f.deliver.Now = func() time.Time { return time.Now().Add(grace + time.Second) }
	if err := f.queue.Enqueue(ctx, []webhook.Message{sweep}); err != nil {
		t.Fatal(err)
	}
	if resp, _ := f.deliver.Handle(ctx, f.receive(t)); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("deliver kept %+v", resp.BatchItemFailures)
	}
	got, _ := f.store.GetDelivery(ctx, "acme", d.ID)
	if got.Status != webhook.StatusSucceeded || len(got.Attempts) != 2 || rec.count(d.ID) != 1 {
		t.Fatalf("after the takeover: status %s, %d attempts, %d requests", got.Status, len(got.Attempts), rec.count(d.ID))
	}
	if !strings.Contains(f.logs.String(), `"msg":"deliver.takeover"`) {
		t.Fatalf("no deliver.takeover log line:\n%s", f.logs)
	}
}
