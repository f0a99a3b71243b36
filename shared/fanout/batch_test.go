package fanout_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/hookrelay/hookrelay/shared/awsconf"
	"github.com/hookrelay/hookrelay/shared/awscount"
	"github.com/hookrelay/hookrelay/shared/dynamo"
	"github.com/hookrelay/hookrelay/shared/sqs"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

// insert is the stream record of an inserted event.
func insert(seq int, tenant, id, typ string) events.DynamoDBEventRecord {
	return events.DynamoDBEventRecord{
		EventName: string(events.DynamoDBOperationTypeInsert),
		Change: events.DynamoDBStreamRecord{
			SequenceNumber: fmt.Sprintf("%021d", seq),
			NewImage: map[string]events.DynamoDBAttributeValue{
				"tenant_id": events.NewStringAttribute(tenant),
				"id":        events.NewStringAttribute(id),
				"type":      events.NewStringAttribute(typ),
			},
		},
	}
}

// orderHook stores a webhook of tenant on order.* events.
func (f *fixture) orderHook(t *testing.T, tenant string) webhook.Webhook {
	t.Helper()
	url := "https://example.com/hook"
	w, err := webhook.NewWebhook(tenant, webhook.WebhookInput{URL: &url, EventTypes: &[]string{"order.*"}}, false, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.CreateWebhook(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	return w
}

// TestBatchReadsEachTenantOnceAndSendsFullBatches fans a stream batch of 50
// inserted events of two tenants out, one matching webhook each: two
// webhook queries in all, and the 50 messages in full batches of ten.
func TestBatchReadsEachTenantOnceAndSendsFullBatches(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	hooks := map[string]webhook.Webhook{"alpha": f.orderHook(t, "alpha"), "beta": f.orderHook(t, "beta")}
	var ev events.DynamoDBEvent
	for i := range 50 {
		tenant := []string{"alpha", "beta"}[i%2]
		ev.Records = append(ev.Records, insert(i+1, tenant, fmt.Sprintf("evt_%02d", i), "order.created"))
	}

	c := &awscount.Counter{}
	cfg := awsconf.Local()
	c.Attach(&cfg)
	f.handler.Store = dynamo.New(awsconf.DynamoDB(cfg, f.env.Emulators.DynamoEndpoint), f.env.Prefix)
	f.handler.Queue = sqs.New(awsconf.SQS(cfg, f.env.Emulators.SQSEndpoint), f.env.Queues.Delivery, f.env.Queues.DeadLetter)

	resp, err := f.handler.Handle(ctx, ev)
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %+v, %v", resp, err)
	}
	t.Logf("calls: %v", c.Snapshot())
	calls := c.Snapshot().Calls
	if calls["DynamoDB.Query"] != 2 || calls["SQS.SendMessageBatch"] > 5 {
		t.Fatalf("calls %v, want 2 Query and at most 5 SendMessageBatch", c.Snapshot())
	}

	got := map[string]int{}
	for _, m := range drain(t, f.env) {
		got[m.DeliveryID]++
	}
	if len(got) != 50 {
		t.Fatalf("messages for %d deliveries, want 50", len(got))
	}
	for i, r := range ev.Records {
		tenant, id := r.Change.NewImage["tenant_id"].String(), r.Change.NewImage["id"].String()
		did := webhook.DeliveryID(tenant, id, hooks[tenant].ID)
		if got[did] != 1 {
			t.Fatalf("record %d: %d messages for delivery %s, want 1", i, got[did], did)
		}
		d, err := f.store.GetDelivery(ctx, tenant, did)
		if err != nil || d.Status != webhook.StatusPending || d.EventID != id || d.WebhookID != hooks[tenant].ID {
			t.Fatalf("record %d: delivery %+v, %v", i, d, err)
		}
	}
}

// failingTenant is a store whose webhook query fails for one tenant.
type failingTenant struct {
	webhook.Store
	tenant string
}

func (s failingTenant) TenantWebhooks(ctx context.Context, tenant string) ([]webhook.Webhook, error) {
	if tenant == s.tenant {
		return nil, errors.New("throttled")
	}
	return s.Store.TenantWebhooks(ctx, tenant)
}

// TestBatchReportsTheFirstRecordNotDone: when one tenant's webhooks cannot
// be read, the records before that tenant's first one are fanned out and
// that record is reported.
func TestBatchReportsTheFirstRecordNotDone(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	alpha := f.orderHook(t, "alpha")
	f.orderHook(t, "beta")
	ev := events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{
		insert(1, "alpha", "evt_1", "order.created"),
		insert(2, "alpha", "evt_2", "order.created"),
		insert(3, "beta", "evt_3", "order.created"),
		insert(4, "alpha", "evt_4", "order.created"),
	}}
	f.handler.Store = failingTenant{f.store, "beta"}
	resp, err := f.handler.Handle(ctx, ev)
	if err != nil || len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != ev.Records[2].Change.SequenceNumber {
		t.Fatalf("failures %+v, %v; want exactly the third record", resp, err)
	}
	got := map[string]bool{}
	for _, m := range drain(t, f.env) {
		got[m.DeliveryID] = true
	}
	for _, id := range []string{"evt_1", "evt_2"} {
		if !got[webhook.DeliveryID("alpha", id, alpha.ID)] {
			t.Fatalf("no message for %s, which precedes the reported record", id)
		}
	}

	// The retry from the reported record, once the query succeeds, fans the
	// rest out.
	f.handler.Store = f.store
	ev.Records = ev.Records[2:]
	resp, err = f.handler.Handle(ctx, ev)
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("retry: failures %+v, %v", resp, err)
	}
	if msgs := drain(t, f.env); len(msgs) != 2 {
		t.Fatalf("retry sent %d messages, want 2", len(msgs))
	}
}
