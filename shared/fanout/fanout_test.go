package fanout_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/hookrelay/hookrelay/infra/local/localtest"
	"github.com/hookrelay/hookrelay/shared/dynamo"
	"github.com/hookrelay/hookrelay/shared/fanout"
	"github.com/hookrelay/hookrelay/shared/sqs"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

func TestMain(m *testing.M) { os.Exit(localtest.Main(m)) }

func sampleStreamEvent(t *testing.T) events.DynamoDBEvent {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "events", "samples", "dynamodb-stream-insert.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.DynamoDBEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

type fixture struct {
	env     *localtest.Env
	store   *dynamo.Store
	handler *fanout.Handler
	hooks   map[string]webhook.Webhook
}

// setup gives tenant acme four webhooks: one on registration.*, a catch-all,
// one on transaction.* and a disabled catch-all.
func setup(t *testing.T) *fixture {
	env := localtest.New(t, 3)
	f := &fixture{env: env, store: dynamo.New(env.DynamoDB, env.Prefix), hooks: map[string]webhook.Webhook{}}
	f.handler = &fanout.Handler{
		Store: f.store, Queue: sqs.New(env.SQS, env.Queues.Delivery, env.Queues.DeadLetter),
		Schedule: webhook.DefaultSchedule, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)), Now: time.Now,
	}
	url := "https://example.com/hook"
	for name, in := range map[string]webhook.WebhookInput{
		"registrations": {URL: &url, EventTypes: &[]string{"registration.*"}},
		"all":           {URL: &url, EventTypes: &[]string{"*"}},
		"transactions":  {URL: &url, EventTypes: &[]string{"transaction.*"}},
		"disabled":      {URL: &url, EventTypes: &[]string{"*"}, Enabled: aws.Bool(false)},
	} {
		w, err := webhook.NewWebhook("acme", in, false, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := f.store.CreateWebhook(context.Background(), w); err != nil {
			t.Fatal(err)
		}
		f.hooks[name] = w
	}
	return f
}

// drain receives every message now in the delivery queue.
func drain(t *testing.T, env *localtest.Env) []webhook.Message {
	t.Helper()
	var out []webhook.Message
	for {
		res, err := env.SQS.ReceiveMessage(context.Background(), &awssqs.ReceiveMessageInput{
			QueueUrl: aws.String(env.Queues.Delivery), MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Messages) == 0 {
			return out
		}
		for _, m := range res.Messages {
			msg, err := sqs.Decode(aws.ToString(m.Body))
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, msg)
			_, _ = env.SQS.DeleteMessage(context.Background(), &awssqs.DeleteMessageInput{QueueUrl: aws.String(env.Queues.Delivery), ReceiptHandle: m.ReceiptHandle})
		}
	}
}

func TestFanoutMatchesAndIsIdempotent(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	ev := sampleStreamEvent(t)
	want := map[string]bool{ // delivery id → expected
		webhook.DeliveryID("acme", "evt_sample_1", f.hooks["registrations"].ID): true,
		webhook.DeliveryID("acme", "evt_sample_1", f.hooks["all"].ID):           true,
		webhook.DeliveryID("acme", "evt_sample_2", f.hooks["all"].ID):           true,
		webhook.DeliveryID("acme", "evt_sample_3", f.hooks["all"].ID):           true,
	}
	for round := 1; round <= 2; round++ {
		resp, err := f.handler.Handle(ctx, ev)
		if err != nil || len(resp.BatchItemFailures) != 0 {
			t.Fatalf("round %d: %+v, %v", round, resp, err)
		}
		msgs := drain(t, f.env)
		got := map[string]bool{}
		for _, m := range msgs {
			got[m.DeliveryID] = true
			if m.TenantID != "acme" || m.EventID == "" || m.WebhookID == "" || m.Manual {
				t.Fatalf("message %+v", m)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("round %d: messages for %v, want %v", round, got, want)
		}
		for id := range want {
			if !got[id] {
				t.Fatalf("round %d: no message for delivery %s", round, id)
			}
		}
	}
	// The second round created no second delivery.
	for _, name := range []string{"registrations", "all", "transactions", "disabled"} {
		list, _, err := f.store.ListDeliveries(ctx, "acme", f.hooks[name].ID, webhook.DeliveryFilter{}, webhook.Page{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		wantN := map[string]int{"registrations": 1, "all": 3}[name]
		if len(list) != wantN {
			t.Fatalf("webhook %s has %d deliveries, want %d", name, len(list), wantN)
		}
	}
}

// TestFanoutLargeIsIdempotent fans one event out to 1,000 webhooks twice
// (many BatchGetItem and BatchWriteItem requests): after both runs every
// delivery exists once, the first run sent one message per delivery, and the
// second sent one only for the deliveries not yet attempted, without
// overwriting the attempted ones.
func TestFanoutLargeIsIdempotent(t *testing.T) {
	const n, attempted = 1000, 400
	f := setup(t)
	ctx := context.Background()
	url := "https://example.com/hook"
	hooks := make([]webhook.Webhook, n)
	for i := range hooks {
		w, err := webhook.NewWebhook("bulk", webhook.WebhookInput{URL: &url, EventTypes: &[]string{"order.*"}}, false, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		hooks[i] = w
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for part := 0; part < 8; part++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := part; i < n; i += 8 {
				errs <- f.store.CreateWebhook(ctx, hooks[i])
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	ev := webhook.Event{TenantID: "bulk", ID: "evt_bulk", Type: "order.created", Timestamp: time.Now()}
	count := func(msgs []webhook.Message) map[string]int {
		got := map[string]int{}
		for _, m := range msgs {
			got[m.DeliveryID]++
		}
		return got
	}

	if err := f.handler.Event(ctx, ev); err != nil {
		t.Fatal(err)
	}
	first := count(drain(t, f.env))
	if len(first) != n {
		t.Fatalf("first run: messages for %d deliveries, want %d", len(first), n)
	}
	for _, w := range hooks {
		if c := first[webhook.DeliveryID("bulk", ev.ID, w.ID)]; c != 1 {
			t.Fatalf("first run: %d messages for webhook %s, want 1", c, w.ID)
		}
	}

	// Deliver attempts some deliveries before the record is fanned out again.
	for _, w := range hooks[:attempted] {
		id := webhook.DeliveryID("bulk", ev.ID, w.ID)
		err := f.store.RecordAttempt(ctx, "bulk", id, webhook.AttemptUpdate{
			Attempt: webhook.Attempt{Attempt: 1, StartedAt: time.Now(), StatusCode: 200},
			Status:  webhook.StatusSucceeded, Message: "m1",
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := f.handler.Event(ctx, ev); err != nil {
		t.Fatal(err)
	}
	second := count(drain(t, f.env))
	if len(second) != n-attempted {
		t.Fatalf("second run: messages for %d deliveries, want %d", len(second), n-attempted)
	}
	for i, w := range hooks {
		want := 0
		if i >= attempted {
			want = 1
		}
		if c := second[webhook.DeliveryID("bulk", ev.ID, w.ID)]; c != want {
			t.Fatalf("second run: %d messages for webhook %d, want %d", c, i, want)
		}
	}

	stored, err := f.store.EventDeliveries(ctx, "bulk", ev.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != n {
		t.Fatalf("%d delivery records, want %d", len(stored), n)
	}
	byID := map[string]webhook.Delivery{}
	for _, d := range stored {
		if _, dup := byID[d.ID]; dup {
			t.Fatalf("delivery %s stored twice", d.ID)
		}
		byID[d.ID] = d
	}
	for i, w := range hooks {
		d, ok := byID[webhook.DeliveryID("bulk", ev.ID, w.ID)]
		if !ok {
			t.Fatalf("no delivery for webhook %d", i)
		}
		if i < attempted && (d.Status != webhook.StatusSucceeded || len(d.Attempts) != 1) {
			t.Fatalf("attempted delivery %s overwritten: status %s, %d attempts", d.ID, d.Status, len(d.Attempts))
		}
		if i >= attempted && (d.Status != webhook.StatusPending || len(d.Attempts) != 0) {
			t.Fatalf("delivery %s: status %s, %d attempts", d.ID, d.Status, len(d.Attempts))
		}
	}
}

func TestFanoutReportsTheFirstFailedRecord(t *testing.T) {
	f := setup(t)
	// A queue that does not exist makes every enqueue fail.
	f.handler.Queue = sqs.New(f.env.SQS, f.env.Queues.Delivery+"-missing", f.env.Queues.DeadLetter)
	ev := sampleStreamEvent(t)
	resp, err := f.handler.Handle(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != ev.Records[0].Change.SequenceNumber {
		t.Fatalf("failures %+v, want exactly the first record", resp.BatchItemFailures)
	}
}

func TestFanoutSkipsTestEventsAndOtherOperations(t *testing.T) {
	f := setup(t)
	ev := sampleStreamEvent(t)
	ev.Records = ev.Records[:2]
	ev.Records[0].Change.NewImage["only"] = events.NewStringAttribute(f.hooks["all"].ID)
	ev.Records[1].EventName = "MODIFY"
	resp, err := f.handler.Handle(context.Background(), ev)
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("%+v, %v", resp, err)
	}
	if msgs := drain(t, f.env); len(msgs) != 0 {
		t.Fatalf("fan-out sent %d messages for a test event and a MODIFY", len(msgs))
	}
}
