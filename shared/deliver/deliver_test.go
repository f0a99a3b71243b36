package deliver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/hookrelay/hookrelay/infra/local/localtest"
	"github.com/hookrelay/hookrelay/shared/deliver"
	"github.com/hookrelay/hookrelay/shared/dynamo"
	"github.com/hookrelay/hookrelay/shared/sender"
	"github.com/hookrelay/hookrelay/shared/signature"
	"github.com/hookrelay/hookrelay/shared/sqs"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

func TestMain(m *testing.M) { os.Exit(localtest.Main(m)) }

type fixture struct {
	env     *localtest.Env
	store   *dynamo.Store
	handler *deliver.Handler
	logs    *bytes.Buffer
	event   webhook.Event
}

func setup(t *testing.T, schedule webhook.Schedule) *fixture {
	t.Helper()
	env := localtest.New(t, schedule.Attempts())
	f := &fixture{env: env, store: dynamo.New(env.DynamoDB, env.Prefix), logs: &bytes.Buffer{}}
	f.handler = &deliver.Handler{
		Store: f.store, Queue: sqs.New(env.SQS, env.Queues.Delivery, env.Queues.DeadLetter),
		Sender:   sender.New(sender.Options{AllowPrivate: true, UserAgent: "hookrelay/test"}),
		Schedule: schedule, Logger: slog.New(slog.NewJSONHandler(f.logs, nil)), Now: time.Now,
	}
	f.event = webhook.Event{ID: "evt_sample_1", TenantID: "acme", Type: "registration.created", Timestamp: time.Now().UTC().Truncate(time.Second), Data: json.RawMessage(`{"registration_id":42}`)}
	if _, _, err := f.store.PutEvent(context.Background(), f.event); err != nil {
		t.Fatal(err)
	}
	return f
}

// hook stores a webhook to url and a pending delivery of the sample event.
func (f *fixture) hook(t *testing.T, url string, retry bool) (webhook.Webhook, webhook.Delivery) {
	t.Helper()
	w, err := webhook.NewWebhook("acme", webhook.WebhookInput{URL: &url, EventTypes: &[]string{"*"}, Retry: &retry}, true, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.CreateWebhook(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	d := webhook.Delivery{
		ID: webhook.DeliveryID("acme", f.event.ID, w.ID), TenantID: "acme", EventID: f.event.ID, EventType: f.event.Type,
		WebhookID: w.ID, Status: webhook.StatusPending, NextAttemptAt: time.Now(), CreatedAt: time.Now(), Attempts: []webhook.Attempt{},
	}
	if _, _, err := f.store.CreateDelivery(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	return w, d
}

// batch sends bodies to the delivery queue, receives them, and returns the
// sample SQS event with the real message ids and receipt handles.
func (f *fixture) batch(t *testing.T, bodies ...string) events.SQSEvent {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "events", "samples", "sqs-batch.json"))
	if err != nil {
		t.Fatal(err)
	}
	var sample events.SQSEvent
	if err := json.Unmarshal(raw, &sample); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, b := range bodies {
		if _, err := f.env.SQS.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: aws.String(f.env.Queues.Delivery), MessageBody: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
	}
	var ev events.SQSEvent
	for len(ev.Records) < len(bodies) {
		res, err := f.env.SQS.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(f.env.Queues.Delivery), MaxNumberOfMessages: 10, WaitTimeSeconds: 2})
		if err != nil || len(res.Messages) == 0 {
			t.Fatalf("receive: %v", err)
		}
		for _, m := range res.Messages {
			rec := sample.Records[len(ev.Records)%len(sample.Records)]
			rec.MessageId, rec.ReceiptHandle, rec.Body = aws.ToString(m.MessageId), aws.ToString(m.ReceiptHandle), aws.ToString(m.Body)
			ev.Records = append(ev.Records, rec)
		}
	}
	return ev
}

func body(d webhook.Delivery) string {
	return sqs.Encode(webhook.Message{DeliveryID: d.ID, TenantID: d.TenantID, EventID: d.EventID, WebhookID: d.WebhookID})
}

func receiver(t *testing.T, status int, seen *atomic.Int32, check func(*http.Request, []byte)) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := new(bytes.Buffer)
		_, _ = b.ReadFrom(r.Body)
		if check != nil {
			check(r, b.Bytes())
		}
		seen.Add(1)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(strings.Repeat("x", 1500)))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestSampleBatch(t *testing.T) {
	f := setup(t, webhook.Schedule{0, time.Minute, time.Minute})
	var okSeen, failSeen atomic.Int32
	var okW webhook.Webhook
	okW, okD := f.hook(t, receiver(t, 200, &okSeen, func(r *http.Request, b []byte) {
		err := signature.Verify(okW.Secret, r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp"), r.Header.Get("webhook-signature"), b, time.Now(), 5*time.Minute)
		if err != nil {
			t.Errorf("signature does not verify: %v", err)
		}
	}), true)
	_, failD := f.hook(t, receiver(t, 500, &failSeen, nil), true)

	ev := f.batch(t, body(okD), body(failD), "not json at all")
	resp, err := f.handler.Handle(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != ev.Records[1].MessageId {
		t.Fatalf("failures %+v, want only the failing delivery's message", resp.BatchItemFailures)
	}
	if okSeen.Load() != 1 || failSeen.Load() != 1 {
		t.Fatalf("receivers saw %d and %d requests", okSeen.Load(), failSeen.Load())
	}
	got, _ := f.store.GetDelivery(context.Background(), "acme", okD.ID)
	if got.Status != webhook.StatusSucceeded || len(got.Attempts) != 1 || len([]rune(got.Attempts[0].ResponseBody)) != webhook.MaxResponseBody {
		t.Fatalf("ok delivery %+v", got)
	}
	got, _ = f.store.GetDelivery(context.Background(), "acme", failD.ID)
	if got.Status != webhook.StatusPending || len(got.Attempts) != 1 || got.Attempts[0].Error != webhook.ErrHTTPStatus || got.Attempts[0].StatusCode != 500 {
		t.Fatalf("failing delivery %+v", got)
	}
	if wait := time.Until(got.NextAttemptAt); wait < 50*time.Second || wait > 61*time.Second {
		t.Fatalf("next attempt in %s, want about the schedule's 1m", wait)
	}
	// The same message again, before its time, is re-hidden without a request.
	again := f.handler
	resp, _ = again.Handle(context.Background(), events.SQSEvent{Records: ev.Records[1:2]})
	if len(resp.BatchItemFailures) != 1 || failSeen.Load() != 1 {
		t.Fatalf("an early message was attempted: failures %+v, requests %d", resp.BatchItemFailures, failSeen.Load())
	}
	for _, want := range []string{`"msg":"delivery.attempt"`, `"outcome":"succeeded"`, `"outcome":"retrying"`, `"error":"http_status"`} {
		if !strings.Contains(f.logs.String(), want) {
			t.Fatalf("logs lack %s:\n%s", want, f.logs)
		}
	}
}

func TestNoRetryDeadLettersAtOnce(t *testing.T) {
	f := setup(t, webhook.Schedule{0, time.Minute})
	var seen atomic.Int32
	_, d := f.hook(t, receiver(t, 500, &seen, nil), false)
	ev := f.batch(t, body(d))
	resp, _ := f.handler.Handle(context.Background(), ev)
	if len(resp.BatchItemFailures) != 0 {
		t.Fatalf("a final failure kept its message: %+v", resp)
	}
	got, _ := f.store.GetDelivery(context.Background(), "acme", d.ID)
	if got.Status != webhook.StatusFailed || len(got.Attempts) != 1 {
		t.Fatalf("delivery %+v", got)
	}
	res, err := f.env.SQS.ReceiveMessage(context.Background(), &awssqs.ReceiveMessageInput{QueueUrl: aws.String(f.env.Queues.DeadLetter), WaitTimeSeconds: 2})
	if err != nil || len(res.Messages) != 1 || !strings.Contains(aws.ToString(res.Messages[0].Body), d.ID) {
		t.Fatalf("dead-letter queue: %v %v", res, err)
	}
}

func TestDuplicateOfADoneDeliveryIsDropped(t *testing.T) {
	f := setup(t, webhook.Schedule{0})
	var seen atomic.Int32
	_, d := f.hook(t, receiver(t, 200, &seen, nil), true)
	ev := f.batch(t, body(d), body(d))
	// Both copies in one batch: exactly one request is recorded.
	resp, _ := f.handler.Handle(context.Background(), ev)
	if len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %+v", resp)
	}
	got, _ := f.store.GetDelivery(context.Background(), "acme", d.ID)
	if got.Status != webhook.StatusSucceeded || len(got.Attempts) != 1 {
		t.Fatalf("delivery %+v", got)
	}
	// A later copy is dropped without a request.
	before := seen.Load()
	resp, _ = f.handler.Handle(context.Background(), f.batch(t, body(d)))
	if len(resp.BatchItemFailures) != 0 || seen.Load() != before {
		t.Fatalf("a copy of a done delivery was attempted")
	}
}
