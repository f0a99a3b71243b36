package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hookrelay/hookrelay/shared/webhook"
)

func TestPublishEvent(t *testing.T) {
	h := newHarness(t)
	key := h.tenant("acme")
	r := h.must(h.do("POST", "/v1/tenants/acme/events", key, `{"type":"order.created", "data": { "b": 1, "a": [1, 2.50, "x"] } }`), 202)
	body := r.json(t)
	id, _ := body["id"].(string)
	if !strings.HasPrefix(id, "evt_") || body["type"] != "order.created" {
		t.Fatalf("answer %s", r.body)
	}
	if _, err := time.Parse(time.RFC3339, body["timestamp"].(string)); err != nil {
		t.Fatalf("timestamp: %v", err)
	}
	stored, err := h.store.GetEvent(context.Background(), "acme", id)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(stored.Data), `{"b":1,"a":[1,2.50,"x"]}`; got != want {
		t.Fatalf("stored data %s, want %s (compacted, otherwise as sent)", got, want)
	}
	got := h.must(h.do("GET", "/v1/tenants/acme/events/"+id, key, nil), 200).json(t)
	if got["id"] != id || got["type"] != "order.created" || got["timestamp"] != body["timestamp"] {
		t.Fatalf("GET event = %v", got)
	}
	if ds, ok := got["deliveries"].([]any); !ok || len(ds) != 0 {
		t.Fatalf("deliveries = %v, want []", got["deliveries"])
	}
	if data := got["data"].(map[string]any); data["b"] != float64(1) {
		t.Fatalf("data = %v", data)
	}
}

func TestPublishIdempotent(t *testing.T) {
	h := newHarness(t)
	key := h.tenant("acme")
	first := h.must(h.do("POST", "/v1/tenants/acme/events", key, `{"id":"order-1:v1","type":"booking.updated","data":{"a":1,"b":{"c":[true,null]}}}`), 202).json(t)
	tests := []struct {
		name   string
		body   string
		status int
	}{
		{"same, other order and spacing", `{"data":{ "b":{"c":[true, null]}, "a":1 },"type":"booking.updated","id":"order-1:v1"}`, 200},
		{"same again", `{"id":"order-1:v1","type":"booking.updated","data":{"a":1,"b":{"c":[true,null]}}}`, 200},
		{"other data", `{"id":"order-1:v1","type":"booking.updated","data":{"a":2,"b":{"c":[true,null]}}}`, 409},
		{"extra key", `{"id":"order-1:v1","type":"booking.updated","data":{"a":1,"b":{"c":[true,null]},"d":0}}`, 409},
		{"other type", `{"id":"order-1:v1","type":"booking.cancelled","data":{"a":1,"b":{"c":[true,null]}}}`, 409},
		{"array order matters", `{"id":"order-1:v1","type":"booking.updated","data":{"a":1,"b":{"c":[null,true]}}}`, 409},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.must(h.do("POST", "/v1/tenants/acme/events", key, tt.body), tt.status)
			if tt.status == 409 {
				wantError(t, r, 409, webhook.EConflict, "")
				return
			}
			body := r.json(t)
			if body["id"] != "order-1:v1" || body["timestamp"] != first["timestamp"] || body["type"] != "booking.updated" {
				t.Fatalf("answer %s, want the original event %v", r.body, first)
			}
		})
	}
	stored, err := h.store.GetEvent(context.Background(), "acme", "order-1:v1")
	if err != nil || string(stored.Data) != `{"a":1,"b":{"c":[true,null]}}` || stored.Type != "booking.updated" {
		t.Fatalf("stored event changed: %+v %v", stored, err)
	}
	// The same id in another tenant is another event.
	h.tenant("other")
	h.must(h.do("POST", "/v1/tenants/other/events", adminKey, `{"id":"order-1:v1","type":"x","data":{}}`), 202)
}

func TestPublishValidation(t *testing.T) {
	h := newHarness(t)
	key := h.tenant("acme")
	tests := []struct {
		name        string
		body        string
		code, field string
	}{
		{"missing type", `{"id":"e1","data":{}}`, webhook.EInvalid, "type"},
		{"empty type", `{"id":"e1","type":"","data":{}}`, webhook.EInvalid, "type"},
		{"bad type", `{"id":"e1","type":"a b","data":{}}`, webhook.EInvalid, "type"},
		{"type with trailing dot", `{"id":"e1","type":"a.","data":{}}`, webhook.EInvalid, "type"},
		{"type too long", `{"id":"e1","type":"` + strings.Repeat("t", 129) + `","data":{}}`, webhook.EInvalid, "type"},
		{"type a number", `{"id":"e1","type":1,"data":{}}`, webhook.EInvalid, "type"},
		{"missing data", `{"id":"e1","type":"a.b"}`, webhook.EInvalid, "data"},
		{"data null", `{"id":"e1","type":"a.b","data":null}`, webhook.EInvalid, "data"},
		{"data an array", `{"id":"e1","type":"a.b","data":[1]}`, webhook.EInvalid, "data"},
		{"data a string", `{"id":"e1","type":"a.b","data":"x"}`, webhook.EInvalid, "data"},
		{"data a number", `{"id":"e1","type":"a.b","data":1}`, webhook.EInvalid, "data"},
		{"empty id", `{"id":"","type":"a.b","data":{}}`, webhook.EInvalid, "id"},
		{"id with a slash", `{"id":"e/1","type":"a.b","data":{}}`, webhook.EInvalid, "id"},
		{"id of 129 characters", `{"id":"` + strings.Repeat("i", 129) + `","type":"a.b","data":{}}`, webhook.EInvalid, "id"},
		{"id a number", `{"id":1,"type":"a.b","data":{}}`, webhook.EInvalid, "id"},
		{"unknown field", `{"id":"e1","type":"a.b","data":{},"timestamp":"2026-01-01T00:00:00Z"}`, webhook.EInvalid, "timestamp"},
		{"broken JSON", `{"id":"e1","type":"a.b","data":{}`, webhook.EBadJSON, ""},
		{"broken data", `{"id":"e1","type":"a.b","data":{"a":}}`, webhook.EBadJSON, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, h.do("POST", "/v1/tenants/acme/events", key, tt.body), 400, tt.code, tt.field)
		})
	}
	if _, err := h.store.GetEvent(context.Background(), "acme", "e1"); !webhook.IsNotFound(err) {
		t.Fatalf("a rejected publication stored event e1: %v", err)
	}
}

func TestGetEvent(t *testing.T) {
	h := newHarness(t)
	key := h.tenant("acme")
	wh := h.webhook("acme", key, nil)["id"].(string)
	h.must(h.do("POST", "/v1/tenants/acme/events", key, `{"id":"e1","type":"a.b","data":{"n":1}}`), 202)
	d := newDelivery(t, h, "e1", wh)
	got := h.must(h.do("GET", "/v1/tenants/acme/events/e1", key, nil), 200).json(t)
	ds := got["deliveries"].([]any)
	if len(ds) != 1 || ds[0].(map[string]any)["id"] != d.ID || len(ds[0].(map[string]any)["attempts"].([]any)) != 1 {
		t.Fatalf("deliveries = %v", got["deliveries"])
	}
	for _, missing := range []string{"e2", "e%2F1", strings.Repeat("e", 200)} {
		wantError(t, h.do("GET", "/v1/tenants/acme/events/"+missing, key, nil), 404, webhook.ENotFound, "")
	}
	h.tenant("other")
	wantError(t, h.do("GET", "/v1/tenants/other/events/e1", adminKey, nil), 404, webhook.ENotFound, "")
}

// newDelivery stores a delivery of an event to a webhook with one failed
// attempt, as the deliver function would.
func newDelivery(t *testing.T, h *harness, eventID, webhookID string) webhook.Delivery {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	d := webhook.Delivery{
		ID: webhook.DeliveryID("acme", eventID, webhookID), TenantID: "acme", EventID: eventID, EventType: "a.b",
		WebhookID: webhookID, Status: webhook.StatusPending, NextAttemptAt: now, CreatedAt: now, Attempts: []webhook.Attempt{},
	}
	if _, _, err := h.store.CreateDelivery(ctx, d); err != nil {
		t.Fatal(err)
	}
	a := webhook.Attempt{Attempt: 1, StartedAt: now, DurationMS: 7, StatusCode: 500, ResponseBody: "nope", Error: webhook.ErrHTTPStatus}
	if err := h.store.RecordAttempt(ctx, "acme", d.ID, webhook.AttemptUpdate{Attempt: a, Status: webhook.StatusFailed}); err != nil {
		t.Fatal(err)
	}
	return d
}
