package api_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hookrelay/hookrelay/shared/webhook"
)

func TestGetDelivery(t *testing.T) {
	h := newHarness(t)
	key := h.tenant("acme")
	wh := h.webhook("acme", key, nil)["id"].(string)
	h.must(h.do("POST", "/v1/tenants/acme/events", key, `{"id":"e1","type":"a.b","data":{}}`), 202)
	d := newDelivery(t, h, "e1", wh)
	a2 := webhook.Attempt{Attempt: 2, StartedAt: time.Now().UTC(), DurationMS: 3, StatusCode: 200, ResponseBody: "ok"}
	if err := h.store.RecordAttempt(context.Background(), "acme", d.ID, webhook.AttemptUpdate{Attempt: a2, Status: webhook.StatusSucceeded}); err != nil {
		t.Fatal(err)
	}
	got := h.must(h.do("GET", "/v1/tenants/acme/deliveries/"+d.ID, key, nil), 200).json(t)
	if got["id"] != d.ID || got["event_id"] != "e1" || got["webhook_id"] != wh || got["status"] != "succeeded" || got["next_attempt_at"] != nil {
		t.Fatalf("delivery = %v", got)
	}
	attempts := got["attempts"].([]any)
	if len(attempts) != 2 {
		t.Fatalf("attempts = %v", attempts)
	}
	first := attempts[0].(map[string]any)
	for k, v := range map[string]any{"attempt": float64(1), "status_code": float64(500), "response_body": "nope", "error": "http_status", "duration_ms": float64(7)} {
		if first[k] != v {
			t.Errorf("attempt 1 %s = %v, want %v", k, first[k], v)
		}
	}
	if attempts[1].(map[string]any)["attempt"] != float64(2) {
		t.Errorf("attempts out of order: %v", attempts)
	}
	wantError(t, h.do("GET", "/v1/tenants/acme/deliveries/msg_missing", key, nil), 404, webhook.ENotFound, "")
	other := h.tenant("other")
	wantError(t, h.do("GET", "/v1/tenants/acme/deliveries/"+d.ID, other, nil), 404, webhook.ENotFound, "")
	wantError(t, h.do("GET", "/v1/tenants/other/deliveries/"+d.ID, other, nil), 404, webhook.ENotFound, "")
}

func TestListDeliveries(t *testing.T) {
	h := newHarness(t)
	key := h.tenant("acme")
	wh := h.webhook("acme", key, nil)["id"].(string)
	ctx := context.Background()
	base := time.Now().UTC().Add(-time.Hour)
	for i := range 5 {
		status := webhook.StatusFailed
		if i%2 == 0 {
			status = webhook.StatusSucceeded
		}
		d := webhook.Delivery{
			ID: fmt.Sprintf("msg_%d", i), TenantID: "acme", EventID: fmt.Sprintf("e%d", i), EventType: "a.b", WebhookID: wh,
			Status: status, CreatedAt: base.Add(time.Duration(i) * time.Minute), Attempts: []webhook.Attempt{},
		}
		if _, _, err := h.store.CreateDelivery(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	path := "/v1/tenants/acme/webhooks/" + wh + "/deliveries"
	var order []string
	next := path + "?limit=2"
	for pages := 0; next != ""; pages++ {
		if pages > 3 {
			t.Fatal("pagination does not end")
		}
		body := h.must(h.do("GET", next, key, nil), 200).json(t)
		for _, d := range body["data"].([]any) {
			order = append(order, d.(map[string]any)["id"].(string))
		}
		next = ""
		if c, ok := body["next_cursor"].(string); ok {
			next = path + "?limit=2&cursor=" + c
		}
	}
	if fmt.Sprint(order) != "[msg_4 msg_3 msg_2 msg_1 msg_0]" {
		t.Fatalf("order %v, want newest first", order)
	}
	failed := h.must(h.do("GET", path+"?status=failed", key, nil), 200).json(t)["data"].([]any)
	if len(failed) != 2 || failed[0].(map[string]any)["id"] != "msg_3" {
		t.Fatalf("failed = %v", failed)
	}
	wantError(t, h.do("GET", path+"?status=lost", key, nil), 400, webhook.EInvalid, "status")
	wantError(t, h.do("GET", path+"?limit=1000", key, nil), 400, webhook.EInvalid, "limit")
	wantError(t, h.do("GET", "/v1/tenants/acme/webhooks/wh_missing/deliveries", key, nil), 404, webhook.ENotFound, "")
	h.tenant("other")
	wantError(t, h.do("GET", "/v1/tenants/other/webhooks/"+wh+"/deliveries", adminKey, nil), 404, webhook.ENotFound, "")
}
