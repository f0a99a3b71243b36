package fanout_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
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
