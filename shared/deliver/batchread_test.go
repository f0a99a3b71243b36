package deliver_test

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookrelay/hookrelay/shared/awsconf"
	"github.com/hookrelay/hookrelay/shared/awscount"
	"github.com/hookrelay/hookrelay/shared/dynamo"
	"github.com/hookrelay/hookrelay/shared/sqs"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

// counted points f's handler at a store whose DynamoDB client counts its
// calls.
func (f *fixture) counted() *awscount.Counter {
	c := &awscount.Counter{}
	cfg := awsconf.Local()
	c.Attach(&cfg)
	f.handler.Store = dynamo.New(awsconf.DynamoDB(cfg, f.env.Emulators.DynamoEndpoint), f.env.Prefix)
	return c
}

// failingBatch is a store whose batch read always fails.
type failingBatch struct{ webhook.Store }

func (failingBatch) AttemptReads(context.Context, []webhook.Message) (webhook.AttemptData, error) {
	return webhook.AttemptData{}, errors.New("throttled")
}

// tenHooks stores ten webhooks to one receiver and a delivery of the sample
// event to each: ten deliveries sharing one event.
func (f *fixture) tenHooks(t *testing.T, seen *atomic.Int32) []string {
	url := receiver(t, http.StatusOK, seen, nil)
	bodies := make([]string, 10)
	for i := range bodies {
		_, d := f.hook(t, url, true)
		bodies[i] = body(d)
	}
	return bodies
}

func TestBatchOfTenReadsEverythingInOneRequest(t *testing.T) {
	f := setup(t, webhook.Schedule{0, time.Minute})
	var seen atomic.Int32
	ev := f.batch(t, f.tenHooks(t, &seen)...)
	c := f.counted()
	resp, err := f.handler.Handle(context.Background(), ev)
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %+v, %v", resp, err)
	}
	calls := c.Snapshot().Calls
	if calls["DynamoDB.BatchGetItem"] != 1 || calls["DynamoDB.GetItem"] != 0 || calls["DynamoDB.UpdateItem"] != 10 {
		t.Fatalf("DynamoDB calls %v, want 1 BatchGetItem, no GetItem and 10 UpdateItem", c.Snapshot())
	}
	if seen.Load() != 10 {
		t.Fatalf("receiver saw %d requests, want 10", seen.Load())
	}
}

func TestFailedBatchReadFallsBackToPerMessageReads(t *testing.T) {
	f := setup(t, webhook.Schedule{0, time.Minute})
	var seen atomic.Int32
	ev := f.batch(t, f.tenHooks(t, &seen)...)
	c := f.counted()
	f.handler.Store = failingBatch{f.handler.Store}
	resp, err := f.handler.Handle(context.Background(), ev)
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %+v, %v", resp, err)
	}
	calls := c.Snapshot().Calls
	if calls["DynamoDB.BatchGetItem"] != 10 || calls["DynamoDB.GetItem"] != 10 || seen.Load() != 10 {
		t.Fatalf("DynamoDB calls %v, receiver %d, want the per-message reads and ten requests", c.Snapshot(), seen.Load())
	}
}

// A missing event or webhook is recorded as the same failed not_found
// attempt whether the batch read or the message's own read found it
// missing; a missing delivery drops the message either way.
func TestMissingItemsAreHandledAlikeByBothReads(t *testing.T) {
	for _, batch := range []bool{true, false} {
		f := setup(t, webhook.Schedule{0})
		var seen atomic.Int32
		url := receiver(t, http.StatusOK, &seen, nil)
		_, noEvent := f.hook(t, url, true)
		_, noHook := f.hook(t, url, true)
		m1 := webhook.Message{DeliveryID: noEvent.ID, TenantID: "acme", EventID: "evt_gone", WebhookID: noEvent.WebhookID}
		m2 := webhook.Message{DeliveryID: noHook.ID, TenantID: "acme", EventID: noHook.EventID, WebhookID: "wh_gone"}
		m3 := webhook.Message{DeliveryID: "dlv_gone", TenantID: "acme", EventID: noHook.EventID, WebhookID: noHook.WebhookID}
		ev := f.batch(t, sqs.Encode(m1), sqs.Encode(m2), sqs.Encode(m3))
		if !batch {
			f.handler.Store = failingBatch{f.handler.Store}
		}
		resp, err := f.handler.Handle(context.Background(), ev)
		if err != nil || len(resp.BatchItemFailures) != 0 || seen.Load() != 0 {
			t.Fatalf("batch read %v: failures %+v, %v, %d requests", batch, resp, err, seen.Load())
		}
		for d, want := range map[string]string{
			noEvent.ID: `not_found: not_found: event "evt_gone" not found`,
			noHook.ID:  `not_found: not_found: webhook "wh_gone" not found`,
		} {
			got, err := f.store.GetDelivery(context.Background(), "acme", d)
			if err != nil || got.Status != webhook.StatusFailed || len(got.Attempts) != 1 || got.Attempts[0].Error != want {
				t.Fatalf("batch read %v: delivery %+v, %v; want failed with %q", batch, got, err, want)
			}
		}
	}
}
