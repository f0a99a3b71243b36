package dynamo_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/hookrelay/hookrelay/shared/webhook"
)

func TestUpdateWebhookVersions(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	w := storeWebhook(t, s, "*")
	a, b := w, w
	desc := "first"
	if err := a.Apply(webhook.WebhookInput{Description: &desc}, false, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateWebhook(ctx, a, w.Version); err != nil {
		t.Fatalf("first update: %v", err)
	}
	desc2 := "second"
	_ = b.Apply(webhook.WebhookInput{Description: &desc2}, false, time.Now())
	if err := s.UpdateWebhook(ctx, b, w.Version); !webhook.IsConflict(err) {
		t.Fatalf("lost update: %v, want conflict", err)
	}
	got, _ := s.GetWebhook(ctx, "acme", w.ID)
	if got.Description != "first" || got.Version != w.Version+1 {
		t.Fatalf("stored %q v%d", got.Description, got.Version)
	}
	gone := w
	gone.ID = "wh_gone"
	if err := s.UpdateWebhook(ctx, gone, 1); !webhook.IsNotFound(err) {
		t.Fatalf("update of a missing webhook: %v", err)
	}
	other := a
	other.TenantID = "other"
	if err := s.UpdateWebhook(ctx, other, a.Version); !webhook.IsNotFound(err) {
		t.Fatalf("update in another tenant: %v", err)
	}
}

func TestLatestEvent(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	base := time.Now().UTC().Truncate(time.Second)
	for i, typ := range []string{"a.b", "a.b", "a.c", "a.b"} {
		e := webhook.Event{ID: fmt.Sprintf("e%d", i), TenantID: "acme", Type: typ, Timestamp: base.Add(time.Duration(i) * time.Second), Data: json.RawMessage(`{}`)}
		if _, _, err := s.PutEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.LatestEvent(ctx, "acme", "a.b")
	if err != nil || got.ID != "e3" {
		t.Fatalf("LatestEvent(a.b) = %s, %v; want e3", got.ID, err)
	}
	if got, err := s.LatestEvent(ctx, "acme", "a.c"); err != nil || got.ID != "e2" {
		t.Fatalf("LatestEvent(a.c) = %s, %v", got.ID, err)
	}
	if _, err := s.LatestEvent(ctx, "acme", "a"); !webhook.IsNotFound(err) {
		t.Fatalf("LatestEvent(a): %v", err)
	}
	if _, err := s.LatestEvent(ctx, "other", "a.b"); !webhook.IsNotFound(err) {
		t.Fatalf("another tenant's latest: %v", err)
	}
}

func TestDeliveriesSince(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	base := time.Now().UTC().Truncate(time.Second).Add(-time.Hour)
	for i := range 6 {
		status := webhook.StatusFailed
		if i == 4 {
			status = webhook.StatusSucceeded
		}
		d := webhook.Delivery{ID: fmt.Sprintf("msg_%d", i), TenantID: "acme", EventID: "e", WebhookID: "wh_1", Status: status, CreatedAt: base.Add(time.Duration(i) * time.Minute), Attempts: []webhook.Attempt{}}
		if _, _, err := s.CreateDelivery(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.DeliveriesSince(ctx, "acme", "wh_1", webhook.DeliveryFilter{Status: webhook.StatusFailed}, base.Add(2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, d := range got {
		ids = append(ids, d.ID)
	}
	if fmt.Sprint(ids) != "[msg_5 msg_3 msg_2]" {
		t.Fatalf("failed since minute 2 = %v", ids)
	}
	all, err := s.DeliveriesSince(ctx, "acme", "wh_1", webhook.DeliveryFilter{}, base)
	if err != nil || len(all) != 6 {
		t.Fatalf("all since the start = %d, %v", len(all), err)
	}
	none, err := s.DeliveriesSince(ctx, "acme", "wh_2", webhook.DeliveryFilter{}, base)
	if err != nil || len(none) != 0 {
		t.Fatalf("another webhook = %d, %v", len(none), err)
	}
}
