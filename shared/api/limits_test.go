package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/hookrelay/hookrelay/shared/api"
)

func TestWebhooksPerTenantAreCapped(t *testing.T) {
	h := newHarness(t, func(c *api.Config) { c.MaxWebhooksPerTenant = 3 })
	key := h.tenant("acme")
	other := h.tenant("other")
	for range 3 {
		h.webhook("acme", key, nil)
	}
	r := h.do("POST", "/v1/tenants/acme/webhooks", key, map[string]any{"url": "https://example.com/4", "event_types": []string{"*"}})
	wantError(t, r, 409, api.ELimit, "")
	if !contains(r.body, "HOOKRELAY_MAX_WEBHOOKS_PER_TENANT") {
		t.Errorf("the error does not say which limit: %s", r.body)
	}
	if hooks, _ := h.store.TenantWebhooks(context.Background(), "acme"); len(hooks) != 3 {
		t.Fatalf("acme has %d webhooks after a refused create, want 3", len(hooks))
	}
	// The cap is per tenant; deleting one makes room again.
	h.webhook("other", other, nil)
	id := h.must(h.do("GET", "/v1/tenants/acme/webhooks", key, nil), 200).json(t)["data"].([]any)[0].(map[string]any)["id"].(string)
	h.must(h.do("DELETE", "/v1/tenants/acme/webhooks/"+id, key, nil), 204)
	h.webhook("acme", key, nil)
}

func TestMaxWebhooksFromEnv(t *testing.T) {
	for v, want := range map[string]int{"": 0, "5": 5, " 250 ": 250} {
		got, err := api.MaxWebhooksFromEnv(func(string) string { return v })
		if err != nil || got != want {
			t.Errorf("%q: %d, %v; want %d", v, got, err, want)
		}
	}
	for _, v := range []string{"0", "-1", "many"} {
		if _, err := api.MaxWebhooksFromEnv(func(string) string { return v }); err == nil {
			t.Errorf("%q accepted", v)
		}
	}
}

func TestRateLimitPerKey(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(200) })
	// One token per 1000 s: the bucket does not refill during the test.
	srv := httptest.NewServer(api.RateLimit(ok, 0.001, 3))
	defer srv.Close()
	get := func(path, key string) *http.Response {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	for i := range 3 {
		if res := get("/v1/event-types", "hr_a"); res.StatusCode != 200 {
			t.Fatalf("request %d of the burst: %d", i+1, res.StatusCode)
		}
	}
	res := get("/v1/event-types", "hr_a")
	if res.StatusCode != 429 {
		t.Fatalf("past the burst: %d, want 429", res.StatusCode)
	}
	if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || s < 1 {
		t.Fatalf("Retry-After %q", res.Header.Get("Retry-After"))
	}
	// Another key has its own bucket; health checks are never limited.
	if res := get("/v1/event-types", "hr_b"); res.StatusCode != 200 {
		t.Fatalf("another key: %d", res.StatusCode)
	}
	for range 5 {
		if res := get("/healthz", "hr_a"); res.StatusCode != 200 {
			t.Fatalf("/healthz limited: %d", res.StatusCode)
		}
	}
	// Without a key the bucket is the client's address.
	for range 3 {
		get("/v1/tenants", "")
	}
	if res := get("/v1/tenants", ""); res.StatusCode != 429 {
		t.Fatalf("keyless past the burst: %d", res.StatusCode)
	}
}
