package dynamo_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hookrelay/hookrelay/shared/webhook"
)

func TestAttemptReads(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	w := storeWebhook(t, s, "*")
	e := storeEvent(t, s)
	// 110 deliveries of one event to one webhook: 112 distinct keys (two
	// requests) once the shared ones are deduplicated, 330 before; DynamoDB
	// refuses duplicate keys in one request. Then some missing items.
	var msgs []webhook.Message
	for i := range 110 {
		d := webhook.Delivery{
			ID: fmt.Sprintf("dlv_%03d", i), TenantID: "acme", EventID: e.ID, EventType: e.Type, WebhookID: w.ID,
			Status: webhook.StatusPending, NextAttemptAt: time.Now(), CreatedAt: time.Now(), Attempts: []webhook.Attempt{},
		}
		if _, _, err := s.CreateDelivery(ctx, d); err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, webhook.Message{DeliveryID: d.ID, TenantID: "acme", EventID: e.ID, WebhookID: w.ID})
	}
	missing := []webhook.Message{
		{DeliveryID: "dlv_missing", TenantID: "acme", EventID: "evt_missing", WebhookID: "wh_missing"},
		{DeliveryID: "dlv_000", TenantID: "other", EventID: e.ID, WebhookID: w.ID}, // another tenant's ids are not found
	}
	got, err := s.AttemptReads(ctx, append(msgs, missing...))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Deliveries) != 110 || len(got.Events) != 1 || len(got.Webhooks) != 1 {
		t.Fatalf("read %d deliveries, %d events, %d webhooks; want 110, 1, 1", len(got.Deliveries), len(got.Events), len(got.Webhooks))
	}
	d, err := got.Delivery(msgs[7])
	if err != nil || d.ID != "dlv_007" || d.Status != webhook.StatusPending || d.WebhookID != w.ID {
		t.Errorf("delivery = %+v, %v", d, err)
	}
	gotE, gotW, err := got.EventAndWebhook(msgs[7])
	if err != nil || gotE.ID != e.ID || string(gotE.Data) != `{"n":1}` || gotW.ID != w.ID || gotW.Secret != w.Secret {
		t.Errorf("event and webhook = %+v, %+v, %v", gotE, gotW, err)
	}
	for _, m := range missing {
		if _, err := got.Delivery(m); !webhook.IsNotFound(err) {
			t.Errorf("Delivery(%+v): %v, want not found", m, err)
		}
		if _, _, err := got.EventAndWebhook(m); !webhook.IsNotFound(err) {
			t.Errorf("EventAndWebhook(%+v): %v, want not found", m, err)
		}
	}
	if empty, err := s.AttemptReads(ctx, nil); err != nil || len(empty.Deliveries) != 0 {
		t.Errorf("no messages: %+v, %v", empty, err)
	}
}
