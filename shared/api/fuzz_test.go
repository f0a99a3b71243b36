package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hookrelay/hookrelay/infra/local/localtest"
	"github.com/hookrelay/hookrelay/shared/api"
	"github.com/hookrelay/hookrelay/shared/dynamo"
	"github.com/hookrelay/hookrelay/shared/sqs"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

// fuzzRoutes are the routes whose input the fuzzer writes: the body of each
// POST and PATCH, or the query string of each list.
var fuzzRoutes = []struct{ method, path string }{
	{"POST", "/v1/tenants"},
	{"POST", "/v1/tenants/acme/webhooks"},
	{"PATCH", "/v1/tenants/acme/webhooks/wh_fuzz"},
	{"POST", "/v1/tenants/acme/events"},
	{"POST", "/v1/tenants/acme/webhooks/wh_fuzz/test"},
	{"POST", "/v1/tenants/acme/webhooks/wh_fuzz/replay"},
	{"POST", "/v1/tenants/acme/webhooks/wh_fuzz/secret/rotate"},
	{"POST", "/v1/tenants/acme/keys"},
	{"GET", "/v1/tenants/acme/webhooks?"},
	{"GET", "/v1/tenants/acme/webhooks/wh_fuzz/deliveries?"},
}

// FuzzRequests sends arbitrary bodies and query strings to the API over
// DynamoDB Local and fauxqs: nothing may panic or answer 5xx, and every
// answer is JSON (an error with a code when it is not a success).
// `make fuzz` runs it for 30 s; `go test` runs the seeds.
func FuzzRequests(f *testing.F) {
	handler := fuzzHandler(f)
	seeds := []struct {
		route int
		input string
	}{
		{0, `{"id":"fuzz","name":"Fuzz"}`}, {0, `{"id":"Bad","name":""}`}, {0, `{"id":1}`}, {0, `[]`}, {0, `{"id":"x","name":"y"} x`},
		{1, `{"url":"https://example.com/h","event_types":["*"],"headers":{"X-A":"b"},"timeout_ms":1000}`},
		{1, `{"url":"http://0x7f.1/","event_types":["a.*"]}`}, {1, `{"url":"https://u:p@example.com","event_types":["a..b"],"retry":"no"}`},
		{1, `{"url":"https://example.com","event_types":["*"],"secret":"whsec_AAAA"}`}, {1, "{\"url\":\"https://\xffexample.com\"}"},
		{2, `{"description":"d","version":1}`}, {2, `{"enabled":false}`}, {2, `{"version":-1}`}, {2, `{"headers":{"webhook-x":"1"}}`},
		{3, `{"type":"order.created","data":{"a":[1,2,{"b":null}]}}`}, {3, `{"id":"e1","type":"registration.created","data":{"registration_id":1}}`},
		{3, `{"id":"e1","type":"registration.created","data":{"registration_id":2}}`}, {3, `{"type":"a","data":[]}`},
		{3, `{"type":"a","data":{"x":1e999999}}`}, {3, `{"type":"a","data":{"x":"\ud800"}}`}, {3, `{"type":"a","data":` + strings.Repeat(`[`, 20000) + `}`},
		{4, ``}, {4, `{"event_type":"order.created"}`}, {4, `{"event_type":""}`},
		{5, `{"since":"2026-01-01T00:00:00Z"}`}, {5, `{"since":"2026-13-01T00:00:00Z"}`}, {5, `{"since":null}`},
		{6, ``}, {6, `{"secret":"whsec_` + strings.Repeat("A", 43) + `="}`}, {6, `{"secret":"x"}`},
		{7, ``}, {7, `{}`}, {7, `{"a":1}`},
		{8, `limit=1`}, {8, `limit=0&cursor=x`}, {8, `cursor=eyJ0ZW5hbnRfaWQiOiJhY21lIiwiaWQiOiJ4In0`}, {8, `cursor=%ff%fe`},
		{9, `status=failed&limit=100`}, {9, `status=x`}, {9, `cursor=eyJ3ZWJob29rX2tleSI6ImFjbWUjd2hfZnV6eiJ9`},
	}
	for _, s := range seeds {
		f.Add(uint8(s.route), s.input)
	}
	f.Fuzz(func(t *testing.T, route uint8, input string) {
		r := fuzzRoutes[int(route)%len(fuzzRoutes)]
		var req *http.Request
		if r.method == "GET" {
			req = httptest.NewRequest(r.method, "http://api"+r.path, nil)
			req.URL.RawQuery = input
		} else {
			req = httptest.NewRequest(r.method, "http://api"+r.path, strings.NewReader(input))
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("Authorization", "Bearer "+adminKey)
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q → %d %s", r.method, r.path, input, rec.Code, rec.Body)
		}
		var body map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil && rec.Code != http.StatusNoContent {
			t.Fatalf("%s %s %q → %d, not JSON: %q", r.method, r.path, input, rec.Code, rec.Body)
		}
		if rec.Code >= 400 {
			e, _ := body["error"].(map[string]any)
			if code, _ := e["code"].(string); code == "" || code == webhook.EInternal {
				t.Fatalf("%s %s %q → %d without a code: %s", r.method, r.path, input, rec.Code, rec.Body)
			}
		}
	})
}

// fuzzHandler is the API over fresh tables holding tenant acme and its
// webhook wh_fuzz.
func fuzzHandler(f *testing.F) http.Handler {
	env := localtest.New(f, 3)
	store := dynamo.New(env.DynamoDB, env.Prefix)
	ctx := context.Background()
	now := time.Now().UTC()
	if err := store.CreateTenant(ctx, webhook.Tenant{ID: "acme", Name: "Acme", CreatedAt: now}); err != nil {
		f.Fatal(err)
	}
	url := "https://example.com/hook"
	wh, err := webhook.NewWebhook("acme", webhook.WebhookInput{URL: &url, EventTypes: &[]string{"*"}}, false, now)
	if err != nil {
		f.Fatal(err)
	}
	wh.ID = "wh_fuzz"
	if err := store.CreateWebhook(ctx, wh); err != nil {
		f.Fatal(err)
	}
	return api.New(api.Config{
		Store:        store,
		Queue:        sqs.New(env.SQS, env.Queues.Delivery, env.Queues.DeadLetter),
		AdminKeyHash: func(context.Context) (string, error) { return webhook.HashKey(adminKey), nil },
		Logger:       slog.New(slog.NewJSONHandler(io.Discard, nil)),
	})
}
