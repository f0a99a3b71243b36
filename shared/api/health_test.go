package api_test

import (
	"context"
	"testing"
	"time"
)

// A webhook that deliver disabled for failing shows why, and PATCH
// {"enabled": true} re-enables it with a fresh failure streak.
func TestPatchReenablesAWebhookDisabledForFailing(t *testing.T) {
	h := newHarness(t)
	key := h.tenant("acme")
	id := h.webhook("acme", key, nil)["id"].(string)
	ctx := context.Background()
	for range 3 {
		if _, err := h.store.RecordFailure(ctx, "acme", id, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.store.DisableWebhook(ctx, "acme", id, "disabled automatically: every attempt failed", time.Now()); err != nil {
		t.Fatal(err)
	}
	got := h.must(h.do("GET", "/v1/tenants/acme/webhooks/"+id, key, nil), 200)
	w := got.json(t)
	if w["enabled"] != false || w["disabled_reason"] != "disabled automatically: every attempt failed" {
		t.Fatalf("disabled webhook reads %s", got.body)
	}
	req := h.request("PATCH", "/v1/tenants/acme/webhooks/"+id, key, `{"enabled": true}`)
	req.Header.Set("If-Match", got.header.Get("ETag"))
	w = h.must(h.send(req), 200).json(t)
	if w["enabled"] != true || w["disabled_reason"] != "" {
		t.Fatalf("after PATCH: %v", w)
	}
	stored, err := h.store.GetWebhook(ctx, "acme", id)
	if err != nil || stored.Health.Failures != 0 || !stored.Health.FailingSince.IsZero() {
		t.Fatalf("the streak survived re-enabling: %+v, %v", stored.Health, err)
	}
}
