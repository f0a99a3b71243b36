package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/hookrelay/hookrelay/shared/api"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

func TestBodyLimits(t *testing.T) {
	h := newHarness(t)
	key := h.tenant("acme")
	big := `{"id":"big","type":"a.b","data":{"s":"` + strings.Repeat("x", api.MaxBody) + `"}}`
	justFits := `{"id":"fits","type":"a.b","data":{"s":"` + strings.Repeat("x", api.MaxBody-60) + `"}}`
	tests := []struct {
		name        string
		contentType string
		body        string
		chunked     bool
		status      int
		code        string
	}{
		{"over 256 KiB", "application/json", big, false, 413, webhook.ETooLarge},
		{"over 256 KiB, chunked", "application/json", big, true, 413, webhook.ETooLarge},
		{"text/plain", "text/plain", `{"id":"t1","type":"a.b","data":{}}`, false, 415, webhook.EUnsupported},
		{"form", "application/x-www-form-urlencoded", `id=t1`, false, 415, webhook.EUnsupported},
		{"no content type", "", `{"id":"t1","type":"a.b","data":{}}`, false, 415, webhook.EUnsupported},
		{"bad content type", "application/json; =", `{"id":"t1","type":"a.b","data":{}}`, false, 415, webhook.EUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", h.url+"/v1/tenants/acme/events", strings.NewReader(tt.body))
			if tt.chunked {
				req.ContentLength = -1
			}
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			req.Header.Set("Authorization", "Bearer "+key)
			wantError(t, h.send(req), tt.status, tt.code, "")
		})
	}
	for _, id := range []string{"big", "t1"} {
		if _, err := h.store.GetEvent(context.Background(), "acme", id); !webhook.IsNotFound(err) {
			t.Errorf("a rejected request stored event %s: %v", id, err)
		}
	}
	// A body just under the limit is accepted; charset is allowed.
	req, _ := http.NewRequest("POST", h.url+"/v1/tenants/acme/events", strings.NewReader(justFits))
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Authorization", "Bearer "+key)
	h.must(h.send(req), 202)
	// A tenant create and a webhook create are held to the same rules.
	wantError(t, h.do("POST", "/v1/tenants", adminKey, `{"id":"x","name":"`+strings.Repeat("n", api.MaxBody)+`"}`), 413, webhook.ETooLarge, "")
	req, _ = http.NewRequest("POST", h.url+"/v1/tenants/acme/webhooks", strings.NewReader(`{"url":"https://example.com","event_types":["*"]}`))
	req.Header.Set("Content-Type", "text/json")
	req.Header.Set("Authorization", "Bearer "+key)
	wantError(t, h.send(req), 415, webhook.EUnsupported, "")
}
