package api_test

import (
	"context"
	"testing"

	"github.com/hookrelay/hookrelay/shared/webhook"
)

func TestEventTypes(t *testing.T) {
	h := newHarness(t)
	key := h.tenant("acme")
	for _, k := range []string{key, adminKey} {
		r := h.must(h.do("GET", "/v1/event-types", k, nil), 200).json(t)
		data := r["data"].([]any)
		if len(data) < 15 {
			t.Fatalf("%d event types", len(data))
		}
		found := false
		for _, d := range data {
			e := d.(map[string]any)
			if e["type"] == "registration.created" {
				found = e["description"] != "" && e["schema"] != nil && e["example"] != nil
			}
		}
		if !found {
			t.Fatalf("registration.created missing or incomplete: %v", data)
		}
	}
	wantError(t, h.do("GET", "/v1/event-types", "", nil), 401, webhook.EUnauthorized, "")
}

func TestPublishChecksCatalogSchema(t *testing.T) {
	h := newHarness(t)
	key := h.tenant("acme")
	h.must(h.do("POST", "/v1/tenants/acme/events", key, `{"id":"r1","type":"registration.created","data":{"registration_id":1,"program_id":2}}`), 202)
	for _, body := range []string{
		`{"id":"r2","type":"registration.created","data":{"program_id":2}}`,
		`{"id":"r2","type":"registration.created","data":{"registration_id":"1","program_id":2}}`,
		`{"id":"r2","type":"user.card_scanned","data":{"user_id":1,"club_id":1,"access":"granted","scanned_at":"soon"}}`,
	} {
		wantError(t, h.do("POST", "/v1/tenants/acme/events", key, body), 400, webhook.EInvalid, "data")
	}
	if _, err := h.store.GetEvent(context.Background(), "acme", "r2"); !webhook.IsNotFound(err) {
		t.Fatalf("an event failing its schema was stored: %v", err)
	}
	// Types outside the catalogue are not checked.
	h.must(h.do("POST", "/v1/tenants/acme/events", key, `{"id":"c1","type":"custom.thing","data":{"anything":[1,"x"]}}`), 202)
}
