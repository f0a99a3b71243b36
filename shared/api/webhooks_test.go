package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hookrelay/hookrelay/shared/api"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

func TestCreateWebhook(t *testing.T) {
	h := newHarness(t)
	key := h.tenant("acme")
	body := h.webhook("acme", key, map[string]any{
		"url":         "https://shop:hunter2@example.com/hooks?x=1",
		"event_types": []string{"registration.*", "booking.cancelled"},
		"description": "Shop",
		"headers":     map[string]string{"X-Shop": "1"},
	})
	id, _ := body["id"].(string)
	secret, _ := body["secret"].(string)
	if !strings.HasPrefix(id, "wh_") || !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("id %q secret %q", id, secret)
	}
	want := map[string]any{
		"url": "https://shop:****@example.com/hooks?x=1", "description": "Shop", "retry": true,
		"timeout_ms": float64(5000), "enabled": true, "disabled_reason": "", "tenant_id": "acme",
	}
	for k, v := range want {
		if body[k] != v {
			t.Errorf("%s = %v, want %v", k, body[k], v)
		}
	}
	if fmt.Sprint(body["event_types"]) != "[registration.* booking.cancelled]" || fmt.Sprint(body["headers"]) != "map[X-Shop:1]" {
		t.Errorf("event_types %v headers %v", body["event_types"], body["headers"])
	}
	// The secret is shown only on create; the password never.
	got := h.must(h.do("GET", "/v1/tenants/acme/webhooks/"+id, key, nil), 200)
	if contains(got.body, "whsec_") || contains(got.body, "hunter2") || !contains(got.body, "shop:****@") {
		t.Fatalf("GET shows %s", got.body)
	}
	list := h.must(h.do("GET", "/v1/tenants/acme/webhooks", key, nil), 200)
	if contains(list.body, "whsec_") || contains(list.body, "hunter2") {
		t.Fatalf("list shows %s", list.body)
	}
	if contains(h.logs.Bytes(), "hunter2") || contains(h.logs.Bytes(), secret) || contains(h.logs.Bytes(), key) {
		t.Fatalf("the log holds a secret: %s", h.logs.Bytes())
	}
	// A caller may bring its own secret; the stored webhook has it.
	own := "whsec_" + strings.Repeat("A", 43) + "="
	body = h.webhook("acme", key, map[string]any{"url": "http://127.0.0.1:9/x", "event_types": []string{"*"}, "secret": own, "retry": false, "timeout_ms": 1000, "enabled": false})
	if body["secret"] != own || body["retry"] != false || body["timeout_ms"] != float64(1000) || body["enabled"] != false {
		t.Fatalf("webhook %v", body)
	}
}

func TestCreateWebhookValidation(t *testing.T) {
	h := newHarness(t)
	key := h.tenant("acme")
	tests := []struct {
		name  string
		body  string
		field string
	}{
		{"missing url", `{"event_types":["*"]}`, "url"},
		{"empty url", `{"url":"","event_types":["*"]}`, "url"},
		{"relative url", `{"url":"/hook","event_types":["*"]}`, "url"},
		{"ftp url", `{"url":"ftp://example.com","event_types":["*"]}`, "url"},
		{"decimal host", `{"url":"http://2130706433/","event_types":["*"]}`, "url"},
		{"hex host", `{"url":"http://0x7f000001/","event_types":["*"]}`, "url"},
		{"octal host", `{"url":"http://0177.0.0.1/","event_types":["*"]}`, "url"},
		{"short host", `{"url":"http://127.1/","event_types":["*"]}`, "url"},
		{"url too long", `{"url":"https://example.com/` + strings.Repeat("a", 2048) + `","event_types":["*"]}`, "url"},
		{"url a number", `{"url":5,"event_types":["*"]}`, "url"},
		{"missing event_types", `{"url":"https://example.com"}`, "event_types"},
		{"empty event_types", `{"url":"https://example.com","event_types":[]}`, "event_types"},
		{"bad event type", `{"url":"https://example.com","event_types":["a..b"]}`, "event_types"},
		{"bad wildcard", `{"url":"https://example.com","event_types":["a*"]}`, "event_types"},
		{"event_types a string", `{"url":"https://example.com","event_types":"*"}`, "event_types"},
		{"event_types of numbers", `{"url":"https://example.com","event_types":[1]}`, "event_types"},
		{"reserved header", `{"url":"https://example.com","event_types":["*"],"headers":{"Content-Type":"x"}}`, "headers"},
		{"webhook- header", `{"url":"https://example.com","event_types":["*"],"headers":{"webhook-id":"x"}}`, "headers"},
		{"header with CR LF", `{"url":"https://example.com","event_types":["*"],"headers":{"X-A":"a\r\nb"}}`, "headers"},
		{"bad header name", `{"url":"https://example.com","event_types":["*"],"headers":{"X A":"a"}}`, "headers"},
		{"header value a number", `{"url":"https://example.com","event_types":["*"],"headers":{"X-A":1}}`, "headers"},
		{"21 headers", `{"url":"https://example.com","event_types":["*"],"headers":{` + manyHeaders(21) + `}}`, "headers"},
		{"timeout too short", `{"url":"https://example.com","event_types":["*"],"timeout_ms":999}`, "timeout_ms"},
		{"timeout too long", `{"url":"https://example.com","event_types":["*"],"timeout_ms":30001}`, "timeout_ms"},
		{"timeout a string", `{"url":"https://example.com","event_types":["*"],"timeout_ms":"5000"}`, "timeout_ms"},
		{"timeout a fraction", `{"url":"https://example.com","event_types":["*"],"timeout_ms":1500.5}`, "timeout_ms"},
		{"timeout huge", `{"url":"https://example.com","event_types":["*"],"timeout_ms":1e40}`, "timeout_ms"},
		{"retry a string", `{"url":"https://example.com","event_types":["*"],"retry":"yes"}`, "retry"},
		{"enabled a number", `{"url":"https://example.com","event_types":["*"],"enabled":1}`, "enabled"},
		{"description too long", `{"url":"https://example.com","event_types":["*"],"description":"` + strings.Repeat("d", 1025) + `"}`, "description"},
		{"bad secret", `{"url":"https://example.com","event_types":["*"],"secret":"whsec_short"}`, "secret"},
		{"secret without prefix", `{"url":"https://example.com","event_types":["*"],"secret":"` + strings.Repeat("A", 43) + `="}`, "secret"},
		{"unknown field", `{"url":"https://example.com","event_types":["*"],"filter":"x"}`, "filter"},
		{"read-only field", `{"url":"https://example.com","event_types":["*"],"id":"wh_mine"}`, "id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, h.do("POST", "/v1/tenants/acme/webhooks", key, tt.body), 400, webhook.EInvalid, tt.field)
		})
	}
	r := h.must(h.do("GET", "/v1/tenants/acme/webhooks", key, nil), 200)
	if data := r.json(t)["data"].([]any); len(data) != 0 {
		t.Fatalf("rejected requests stored %d webhooks", len(data))
	}
}

func manyHeaders(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf(`"X-H%d":"v"`, i)
	}
	return strings.Join(parts, ",")
}

// TestCreateWebhookPublicOnly: without private targets only https to a
// public host is accepted.
func TestCreateWebhookPublicOnly(t *testing.T) {
	h := newHarness(t, func(c *api.Config) { c.AllowPrivate = false })
	key := h.tenant("acme")
	for _, url := range []string{"http://example.com/", "https://127.0.0.1/", "https://[::1]/", "https://169.254.169.254/", "https://10.0.0.1/"} {
		wantError(t, h.do("POST", "/v1/tenants/acme/webhooks", key, map[string]any{"url": url, "event_types": []string{"*"}}), 400, webhook.EInvalid, "url")
	}
	h.webhook("acme", key, map[string]any{"url": "https://8.8.8.8/", "event_types": []string{"*"}})
}

func TestListWebhooks(t *testing.T) {
	h := newHarness(t)
	key := h.tenant("acme")
	h.tenant("other")
	created := map[string]bool{}
	for range 3 {
		created[h.webhook("acme", key, nil)["id"].(string)] = true
	}
	h.webhook("other", adminKey, nil)
	seen := map[string]bool{}
	path := "/v1/tenants/acme/webhooks?limit=2"
	for pages := 0; path != ""; pages++ {
		if pages > 3 {
			t.Fatal("pagination does not end")
		}
		body := h.must(h.do("GET", path, key, nil), 200).json(t)
		data := body["data"].([]any)
		if len(data) > 2 {
			t.Fatalf("page of %d, limit 2", len(data))
		}
		for _, w := range data {
			seen[w.(map[string]any)["id"].(string)] = true
		}
		path = ""
		if c, ok := body["next_cursor"].(string); ok {
			path = "/v1/tenants/acme/webhooks?limit=2&cursor=" + c
		} else if body["next_cursor"] != nil {
			t.Fatalf("next_cursor %v", body["next_cursor"])
		}
	}
	if fmt.Sprint(seen) != fmt.Sprint(created) {
		t.Fatalf("listed %v, want %v", seen, created)
	}
	for _, q := range []struct{ query, field string }{
		{"limit=0", "limit"}, {"limit=101", "limit"}, {"limit=two", "limit"}, {"limit=-1", "limit"},
		{"cursor=nonsense", "cursor"}, {"cursor=" + strings.Repeat("x", 2000), "cursor"},
		{"cursor=eyJ0ZW5hbnRfaWQiOiJhY21lIiwiZm9vIjoiYmFyIn0", "cursor"}, // {"tenant_id":"acme","foo":"bar"}
	} {
		wantError(t, h.do("GET", "/v1/tenants/acme/webhooks?"+q.query, key, nil), 400, webhook.EInvalid, q.field)
	}
	// A cursor of one tenant's list is refused in another's.
	first := h.must(h.do("GET", "/v1/tenants/acme/webhooks?limit=1", key, nil), 200).json(t)
	wantError(t, h.do("GET", "/v1/tenants/other/webhooks?cursor="+first["next_cursor"].(string), adminKey, nil), 400, webhook.EInvalid, "cursor")
}

func TestGetAndDeleteWebhook(t *testing.T) {
	h := newHarness(t)
	key := h.tenant("acme")
	id := h.webhook("acme", key, nil)["id"].(string)
	got := h.must(h.do("GET", "/v1/tenants/acme/webhooks/"+id, key, nil), 200).json(t)
	if got["id"] != id || got["url"] != "https://example.com/hook" {
		t.Fatalf("GET = %v", got)
	}
	for _, missing := range []string{"wh_missing", strings.Repeat("w", 300), "%ff"} {
		wantError(t, h.do("GET", "/v1/tenants/acme/webhooks/"+missing, key, nil), 404, webhook.ENotFound, "")
		wantError(t, h.do("DELETE", "/v1/tenants/acme/webhooks/"+missing, key, nil), 404, webhook.ENotFound, "")
	}
	r := h.must(h.do("DELETE", "/v1/tenants/acme/webhooks/"+id, key, nil), 204)
	if len(r.body) != 0 {
		t.Fatalf("204 with body %q", r.body)
	}
	wantError(t, h.do("GET", "/v1/tenants/acme/webhooks/"+id, key, nil), 404, webhook.ENotFound, "")
	wantError(t, h.do("DELETE", "/v1/tenants/acme/webhooks/"+id, key, nil), 404, webhook.ENotFound, "")
}
