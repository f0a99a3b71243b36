package api_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hookrelay/hookrelay/shared/api"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

func TestAuthentication(t *testing.T) {
	h := newHarness(t)
	h.tenant("acme")
	tests := []struct {
		name   string
		header string
	}{
		{"no header", ""},
		{"basic auth", "Basic YWRtaW46YWRtaW4="},
		{"bearer without a key", "Bearer "},
		{"unknown key", "Bearer hr_unknown"},
		{"the admin key's hash", "Bearer " + webhook.HashKey(adminKey)},
		{"key in another scheme", "Token " + adminKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, path := range []string{"/v1/tenants/acme/webhooks", "/v1/no/such/route"} {
				req, _ := http.NewRequest("GET", h.url+path, nil)
				if tt.header != "" {
					req.Header.Set("Authorization", tt.header)
				}
				wantError(t, h.send(req), 401, webhook.EUnauthorized, "")
			}
		})
	}
	// The scheme is case-insensitive.
	req, _ := http.NewRequest("GET", h.url+"/v1/tenants/acme/webhooks", nil)
	req.Header.Set("Authorization", "bearer "+adminKey)
	h.must(h.send(req), 200)
}

func TestScopes(t *testing.T) {
	h := newHarness(t)
	acme := h.tenant("acme")
	other := h.tenant("other")
	wh := h.webhook("acme", acme, nil)["id"].(string)
	tests := []struct {
		name, method, path, key string
		body                    any
		status                  int
		code                    string
	}{
		{"tenant key creates a tenant", "POST", "/v1/tenants", acme, map[string]any{"id": "x", "name": "X"}, 403, webhook.EForbidden},
		{"tenant key creates a key", "POST", "/v1/tenants/acme/keys", acme, nil, 403, webhook.EForbidden},
		{"other tenant lists webhooks", "GET", "/v1/tenants/acme/webhooks", other, nil, 404, webhook.ENotFound},
		{"other tenant creates a webhook", "POST", "/v1/tenants/acme/webhooks", other, map[string]any{"url": "https://example.com", "event_types": []string{"*"}}, 404, webhook.ENotFound},
		{"other tenant reads a webhook", "GET", "/v1/tenants/acme/webhooks/" + wh, other, nil, 404, webhook.ENotFound},
		{"other tenant deletes a webhook", "DELETE", "/v1/tenants/acme/webhooks/" + wh, other, nil, 404, webhook.ENotFound},
		{"other tenant reads its own path with acme's webhook", "GET", "/v1/tenants/other/webhooks/" + wh, other, nil, 404, webhook.ENotFound},
		{"other tenant publishes", "POST", "/v1/tenants/acme/events", other, map[string]any{"type": "a.b", "data": map[string]any{}}, 404, webhook.ENotFound},
		{"other tenant lists deliveries", "GET", "/v1/tenants/acme/webhooks/" + wh + "/deliveries", other, nil, 404, webhook.ENotFound},
		{"tenant key on a tenant that does not exist", "GET", "/v1/tenants/ghost/webhooks", acme, nil, 404, webhook.ENotFound},
		{"admin on a tenant that does not exist", "GET", "/v1/tenants/ghost/webhooks", adminKey, nil, 404, webhook.ENotFound},
		{"unknown route", "GET", "/v1/nothing", acme, nil, 404, webhook.ENotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, h.do(tt.method, tt.path, tt.key, tt.body), tt.status, tt.code, "")
		})
	}
	// The webhook survived every foreign request; the admin reaches it.
	h.must(h.do("GET", "/v1/tenants/acme/webhooks/"+wh, adminKey, nil), 200)
	h.must(h.do("GET", "/v1/tenants/acme/webhooks/"+wh, acme, nil), 200)
}

func TestMethodNotAllowed(t *testing.T) {
	h := newHarness(t)
	r := h.do("PUT", "/v1/tenants", adminKey, map[string]any{})
	if r.status != 405 || r.header.Get("Allow") == "" {
		t.Fatalf("PUT /v1/tenants: %d Allow=%q %s", r.status, r.header.Get("Allow"), r.body)
	}
	if code, _ := r.errorOf(t); code == "" {
		t.Fatal("no error code")
	}
}

// TestAdminKeyUnavailable: when the admin key cannot be read, tenant keys
// still work, and an unknown key is an internal error rather than a 401
// (it may be the admin's), logged without the key.
func TestAdminKeyUnavailable(t *testing.T) {
	h := newHarness(t)
	key := h.tenant("acme")
	var logs syncBuffer
	handler := api.New(api.Config{
		Store:        h.store,
		Queue:        h.queue,
		AdminKeyHash: func(context.Context) (string, error) { return "", errors.New("secrets manager is down") },
		Logger:       slog.New(slog.NewJSONHandler(&logs, nil)),
	})
	get := func(key string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/v1/tenants/acme/webhooks", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		return rec
	}
	if rec := get(key); rec.Code != 200 {
		t.Fatalf("tenant key: %d %s", rec.Code, rec.Body)
	}
	rec := get(adminKey)
	if rec.Code != 500 {
		t.Fatalf("admin key while unreadable: %d %s", rec.Code, rec.Body)
	}
	b, _ := io.ReadAll(rec.Body)
	if want := `"code":"internal"`; !contains(b, want) || contains(b, "secrets manager") {
		t.Fatalf("answer %s: want %s and no detail", b, want)
	}
	if !contains(logs.Bytes(), "secrets manager is down") || contains(logs.Bytes(), adminKey) || contains(logs.Bytes(), key) {
		t.Fatalf("log %s: want the detail and no key", logs.Bytes())
	}
}
