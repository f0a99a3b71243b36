package dynamo_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/hookrelay/hookrelay/infra/local/localtest"
	"github.com/hookrelay/hookrelay/shared/dynamo"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

func TestMain(m *testing.M) { os.Exit(localtest.Main(m)) }

// storeWebhook stores a new webhook of tenant acme to example.com
// subscribed to patterns.
func storeWebhook(t *testing.T, s *dynamo.Store, patterns ...string) webhook.Webhook {
	t.Helper()
	url := "https://example.com/hook"
	w, err := webhook.NewWebhook("acme", webhook.WebhookInput{URL: &url, EventTypes: &patterns}, false, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateWebhook(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	return w
}

// storeEvent stores event evt_1 of tenant acme, a registration.created.
func storeEvent(t *testing.T, s *dynamo.Store) webhook.Event {
	t.Helper()
	e := webhook.Event{ID: "evt_1", TenantID: "acme", Type: "registration.created", Timestamp: time.Now().UTC().Truncate(time.Second), Data: json.RawMessage(`{"n":1}`)}
	if _, _, err := s.PutEvent(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	return e
}

func newStore(t *testing.T) *dynamo.Store {
	t.Helper()
	env := localtest.New(t, 3)
	return dynamo.New(env.DynamoDB, env.Prefix)
}

func TestTenantsAndKeys(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	if err := s.CreateTenant(ctx, webhook.Tenant{ID: "acme", Name: "Acme", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateTenant(ctx, webhook.Tenant{ID: "acme", Name: "Again"}); !webhook.IsConflict(err) {
		t.Fatalf("second create: got %v, want conflict", err)
	}
	got, err := s.GetTenant(ctx, "acme")
	if err != nil || got.Name != "Acme" || !got.CreatedAt.Equal(now) {
		t.Fatalf("GetTenant = %+v, %v", got, err)
	}
	if _, err := s.GetTenant(ctx, "nope"); !webhook.IsNotFound(err) {
		t.Fatalf("missing tenant: %v", err)
	}
	plain, hash := webhook.NewKey()
	if err := s.CreateKey(ctx, webhook.Key{ID: "key_1", TenantID: "acme", Hash: hash, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	k, err := s.KeyByHash(ctx, webhook.HashKey(plain))
	if err != nil || k.TenantID != "acme" || k.ID != "key_1" {
		t.Fatalf("KeyByHash = %+v, %v", k, err)
	}
	if _, err := s.KeyByHash(ctx, webhook.HashKey("hr_wrong")); !webhook.IsNotFound(err) {
		t.Fatalf("wrong key: %v", err)
	}
}

func TestWebhooksPaginateAndIsolate(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	var ids []string
	for i := 0; i < 5; i++ {
		ids = append(ids, storeWebhook(t, s, "*").ID)
	}
	var seen []string
	cursor := ""
	for pages := 0; ; pages++ {
		page, next, err := s.ListWebhooks(ctx, "acme", webhook.Page{Limit: 2, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) > 2 {
			t.Fatalf("page of %d, limit 2", len(page))
		}
		for _, w := range page {
			seen = append(seen, w.ID)
		}
		if next == "" {
			break
		}
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		cursor = next
	}
	if len(seen) != 5 {
		t.Fatalf("listed %v, want the 5 of %v", seen, ids)
	}
	// A cursor of one tenant is refused for another.
	_, next, _ := s.ListWebhooks(ctx, "acme", webhook.Page{Limit: 1})
	if _, _, err := s.ListWebhooks(ctx, "other", webhook.Page{Limit: 1, Cursor: next}); webhook.ErrorCode(err) != webhook.EInvalid {
		t.Fatalf("foreign cursor: %v", err)
	}
	if _, err := s.GetWebhook(ctx, "other", ids[0]); !webhook.IsNotFound(err) {
		t.Fatalf("other tenant reads webhook: %v", err)
	}
	if err := s.DeleteWebhook(ctx, "other", ids[0]); !webhook.IsNotFound(err) {
		t.Fatalf("other tenant deletes webhook: %v", err)
	}
	if err := s.DeleteWebhook(ctx, "acme", ids[0]); err != nil {
		t.Fatal(err)
	}
	all, err := s.TenantWebhooks(ctx, "acme")
	if err != nil || len(all) != 4 {
		t.Fatalf("TenantWebhooks = %d, %v", len(all), err)
	}
}

func TestEventIdempotencyAndDeliveries(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	now := time.Now().UTC().Truncate(time.Second)
	e := webhook.Event{ID: "evt_1", TenantID: "acme", Type: "booking.created", Timestamp: now, Data: json.RawMessage(`{"b":1,"a":[1,2]}`)}
	if _, created, err := s.PutEvent(ctx, e); err != nil || !created {
		t.Fatalf("first put: created=%v err=%v", created, err)
	}
	again := e
	again.Data = json.RawMessage(`{"other":true}`)
	stored, created, err := s.PutEvent(ctx, again)
	if err != nil || created || string(stored.Data) != string(e.Data) || stored.Type != e.Type {
		t.Fatalf("second put: %+v created=%v err=%v", stored, created, err)
	}

	d := webhook.Delivery{
		ID: webhook.DeliveryID("acme", "evt_1", "wh_1"), TenantID: "acme", EventID: "evt_1",
		EventType: e.Type, WebhookID: "wh_1", Status: webhook.StatusPending, NextAttemptAt: now, CreatedAt: now,
		Attempts: []webhook.Attempt{},
	}
	if _, created, err := s.CreateDelivery(ctx, d); err != nil || !created {
		t.Fatalf("create delivery: %v %v", created, err)
	}
	if _, created, err := s.CreateDelivery(ctx, d); err != nil || created {
		t.Fatalf("duplicate delivery: created=%v err=%v", created, err)
	}
	a1 := webhook.Attempt{Attempt: 1, StartedAt: now, DurationMS: 12, StatusCode: 500, ResponseBody: "boom", Error: webhook.ErrHTTPStatus}
	if err := s.RecordAttempt(ctx, "acme", d.ID, webhook.AttemptUpdate{Attempt: a1, Status: webhook.StatusPending, NextAttemptAt: now.Add(time.Second), Message: "m1"}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordAttempt(ctx, "acme", d.ID, webhook.AttemptUpdate{Attempt: a1, Status: webhook.StatusPending, NextAttemptAt: now, Message: "m2"}); !webhook.IsConflict(err) {
		t.Fatalf("recording attempt 1 twice: %v", err)
	}
	a2 := webhook.Attempt{Attempt: 2, StartedAt: now, DurationMS: 3, StatusCode: 200}
	if err := s.RecordAttempt(ctx, "acme", d.ID, webhook.AttemptUpdate{Attempt: a2, Status: webhook.StatusSucceeded, Message: "m1"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetDelivery(ctx, "acme", d.ID)
	if err != nil || got.Status != webhook.StatusSucceeded || len(got.Attempts) != 2 || got.Attempts[0].ResponseBody != "boom" || got.Message != "m1" {
		t.Fatalf("GetDelivery = %+v, %v", got, err)
	}
	list, _, err := s.ListDeliveries(ctx, "acme", "wh_1", webhook.DeliveryFilter{Status: webhook.StatusSucceeded}, webhook.Page{})
	if err != nil || len(list) != 1 {
		t.Fatalf("ListDeliveries(succeeded) = %d, %v", len(list), err)
	}
	list, _, err = s.ListDeliveries(ctx, "acme", "wh_1", webhook.DeliveryFilter{Status: webhook.StatusFailed}, webhook.Page{})
	if err != nil || len(list) != 0 {
		t.Fatalf("ListDeliveries(failed) = %d, %v", len(list), err)
	}
	byEvent, err := s.EventDeliveries(ctx, "acme", "evt_1")
	if err != nil || len(byEvent) != 1 {
		t.Fatalf("EventDeliveries = %d, %v", len(byEvent), err)
	}
	if _, err := s.GetDelivery(ctx, "other", d.ID); !webhook.IsNotFound(err) {
		t.Fatalf("other tenant reads delivery: %v", err)
	}
}
