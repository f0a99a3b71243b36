package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/hookrelay/hookrelay/shared/sqs"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

// queued drains the delivery queue and returns its messages.
func (h *harness) queued() []webhook.Message {
	h.t.Helper()
	var out []webhook.Message
	for {
		res, err := h.env.SQS.ReceiveMessage(context.Background(), &awssqs.ReceiveMessageInput{
			QueueUrl: aws.String(h.env.Queues.Delivery), MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 60,
		})
		if err != nil {
			h.t.Fatal(err)
		}
		if len(res.Messages) == 0 {
			return out
		}
		for _, m := range res.Messages {
			msg, err := sqs.Decode(aws.ToString(m.Body))
			if err != nil {
				h.t.Fatal(err)
			}
			out = append(out, msg)
		}
	}
}

func TestPatchWebhook(t *testing.T) {
	h := newHarness(t)
	key := h.tenant("acme")
	wh := h.webhook("acme", key, nil)
	id, path := wh["id"].(string), "/v1/tenants/acme/webhooks/"+wh["id"].(string)
	r := h.must(h.do("PATCH", path, key, map[string]any{"url": "https://u:p@example.org/new", "event_types": []string{"booking.*"}, "timeout_ms": 10000, "enabled": false, "headers": map[string]string{"X-A": "b"}}), 200)
	got := r.json(t)
	if got["url"] != "https://u:****@example.org/new" || got["timeout_ms"] != float64(10000) || got["enabled"] != false || got["version"] != float64(2) || fmt.Sprint(got["event_types"]) != "[booking.*]" {
		t.Fatalf("patched %s", r.body)
	}
	if r.header.Get("ETag") != `"2"` || contains(r.body, "whsec_") {
		t.Fatalf("ETag %q, body %s", r.header.Get("ETag"), r.body)
	}
	// Fields not sent stay as they were.
	r = h.must(h.do("PATCH", path, key, map[string]any{"description": "d", "version": 2}), 200)
	if got := r.json(t); got["timeout_ms"] != float64(10000) || got["description"] != "d" || got["version"] != float64(3) {
		t.Fatalf("second patch %s", r.body)
	}
	// A stale version, in the body or If-Match, is a lost update: 409.
	wantError(t, h.do("PATCH", path, key, map[string]any{"description": "lost", "version": 2}), 409, webhook.EConflict, "")
	req := h.request("PATCH", path, key, `{"description":"lost"}`)
	req.Header.Set("If-Match", `"2"`)
	wantError(t, h.send(req), 409, webhook.EConflict, "")
	req = h.request("PATCH", path, key, `{"description":"lost"}`)
	req.Header.Set("If-Match", `"3"`)
	r = h.must(h.send(req), 200)
	if r.json(t)["description"] != "lost" {
		t.Fatalf("If-Match at the current version: %s", r.body)
	}
	before := h.must(h.do("GET", path, key, nil), 200).json(t)
	tests := []struct {
		name, body, field string
	}{
		{"bad url", `{"url":"ftp://x"}`, "url"},
		{"no event types", `{"event_types":[]}`, "event_types"},
		{"timeout", `{"timeout_ms":5}`, "timeout_ms"},
		{"secret", `{"secret":"whsec_` + strings.Repeat("A", 43) + `="}`, "secret"},
		{"unknown field", `{"name":"x"}`, "name"},
		{"read-only id", `{"id":"wh_x"}`, "id"},
		{"version zero", `{"version":0}`, "version"},
		{"version a string", `{"version":"4"}`, "version"},
		{"headers", `{"headers":{"Host":"x"}}`, "headers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, h.do("PATCH", path, key, tt.body), 400, webhook.EInvalid, tt.field)
		})
	}
	wantError(t, h.do("PATCH", path, key, `[]`), 400, webhook.EBadJSON, "")
	after := h.must(h.do("GET", path, key, nil), 200).json(t)
	if fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("rejected patches changed the webhook:\n%v\n%v", before, after)
	}
	other := h.tenant("other")
	wantError(t, h.do("PATCH", path, other, `{"description":"x"}`), 404, webhook.ENotFound, "")
	wantError(t, h.do("PATCH", "/v1/tenants/other/webhooks/"+id, other, `{"description":"x"}`), 404, webhook.ENotFound, "")
	wantError(t, h.do("PATCH", "/v1/tenants/acme/webhooks/wh_missing", key, `{"description":"x"}`), 404, webhook.ENotFound, "")
}

func TestRotateSecret(t *testing.T) {
	h := newHarness(t)
	key := h.tenant("acme")
	wh := h.webhook("acme", key, nil)
	id, old := wh["id"].(string), wh["secret"].(string)
	path := "/v1/tenants/acme/webhooks/" + id + "/secret/rotate"
	start := time.Now()
	r := h.must(h.do("POST", path, key, nil), 200).json(t)
	secret, _ := r["secret"].(string)
	if err := webhook.ValidateSecret(secret); err != nil || secret == old {
		t.Fatalf("new secret %q (old %q): %v", secret, old, err)
	}
	until, err := time.Parse(time.RFC3339Nano, r["previous_secret_expires_at"].(string))
	if err != nil || until.Sub(start) < 24*time.Hour-time.Minute || until.Sub(start) > 24*time.Hour+time.Minute {
		t.Fatalf("previous_secret_expires_at %v (%v)", r["previous_secret_expires_at"], err)
	}
	stored, err := h.store.GetWebhook(context.Background(), "acme", id)
	if err != nil || stored.Secret != secret || stored.PreviousSecret != old || len(stored.Secrets(time.Now())) != 2 {
		t.Fatalf("stored %+v %v", stored, err)
	}
	own := "whsec_" + strings.Repeat("B", 43) + "="
	if got := h.must(h.do("POST", path, key, map[string]string{"secret": own}), 200).json(t); got["secret"] != own {
		t.Fatalf("own secret: %v", got)
	}
	wantError(t, h.do("POST", path, key, map[string]string{"secret": "whsec_x"}), 400, webhook.EInvalid, "secret")
	wantError(t, h.do("POST", path, key, map[string]any{"secret": 1}), 400, webhook.EInvalid, "secret")
	if stored, _ := h.store.GetWebhook(context.Background(), "acme", id); stored.Secret != own || stored.PreviousSecret != secret {
		t.Fatalf("a rejected rotation changed the secrets")
	}
	other := h.tenant("other")
	wantError(t, h.do("POST", path, other, nil), 404, webhook.ENotFound, "")
	wantError(t, h.do("POST", "/v1/tenants/acme/webhooks/wh_missing/secret/rotate", key, nil), 404, webhook.ENotFound, "")
	if contains(h.logs.Bytes(), own) || contains(h.logs.Bytes(), secret) {
		t.Fatal("a secret reached the log")
	}
}

func TestTestWebhook(t *testing.T) {
	h := newHarness(t)
	key := h.tenant("acme")
	id := h.webhook("acme", key, map[string]any{"url": "https://example.com", "event_types": []string{"booking.*"}})["id"].(string)
	path := "/v1/tenants/acme/webhooks/" + id + "/test"
	ctx := context.Background()

	// Without a type: a webhook.test event for this webhook alone.
	r := h.must(h.do("POST", path, key, nil), 202).json(t)
	d, err := h.store.GetDelivery(ctx, "acme", r["delivery_id"].(string))
	if err != nil || !strings.HasPrefix(d.ID, "msg_") || d.WebhookID != id || d.EventType != "webhook.test" || d.Status != webhook.StatusPending {
		t.Fatalf("delivery %+v %v", d, err)
	}
	e, err := h.store.GetEvent(ctx, "acme", d.EventID)
	if err != nil || e.Only != id || e.Type != "webhook.test" || r["event_id"] != e.ID {
		t.Fatalf("event %+v %v", e, err)
	}
	// With a type: the newest event of it, subscribed or not.
	h.must(h.do("POST", "/v1/tenants/acme/events", key, `{"id":"old","type":"program.updated","data":{"program_id":1}}`), 202)
	time.Sleep(1100 * time.Millisecond) // event timestamps are whole seconds
	h.must(h.do("POST", "/v1/tenants/acme/events", key, `{"id":"new","type":"program.updated","data":{"program_id":2}}`), 202)
	r = h.must(h.do("POST", path, key, map[string]string{"event_type": "program.updated"}), 202).json(t)
	if r["event_id"] != "new" {
		t.Fatalf("test with a type sent %v, want the newest event", r)
	}
	// A type without events falls back to webhook.test.
	r = h.must(h.do("POST", path, key, map[string]string{"event_type": "nothing.yet"}), 202).json(t)
	if e, _ := h.store.GetEvent(ctx, "acme", r["event_id"].(string)); e.Type != "webhook.test" {
		t.Fatalf("fallback event %+v", e)
	}
	msgs := h.queued()
	if len(msgs) != 3 {
		t.Fatalf("queued %v, want 3 messages", msgs)
	}
	for _, m := range msgs {
		if m.WebhookID != id || m.TenantID != "acme" || m.Manual {
			t.Errorf("message %+v", m)
		}
	}
	wantError(t, h.do("POST", path, key, map[string]string{"event_type": "not a type"}), 400, webhook.EInvalid, "event_type")
	wantError(t, h.do("POST", path, key, map[string]any{"type": "x"}), 400, webhook.EInvalid, "type")
	wantError(t, h.do("POST", "/v1/tenants/acme/webhooks/wh_missing/test", key, nil), 404, webhook.ENotFound, "")
	other := h.tenant("other")
	wantError(t, h.do("POST", path, other, nil), 404, webhook.ENotFound, "")
	if msgs := h.queued(); len(msgs) != 0 {
		t.Fatalf("rejected tests queued %v", msgs)
	}
}

func TestRetryDelivery(t *testing.T) {
	h := newHarness(t)
	key := h.tenant("acme")
	wh := h.webhook("acme", key, nil)["id"].(string)
	d := newDelivery(t, h, "e1", wh)
	r := h.must(h.do("POST", "/v1/tenants/acme/deliveries/"+d.ID+"/retry", key, nil), 202).json(t)
	if r["delivery_id"] != d.ID {
		t.Fatalf("answer %v", r)
	}
	msgs := h.queued()
	if len(msgs) != 1 || msgs[0] != (webhook.Message{DeliveryID: d.ID, TenantID: "acme", EventID: "e1", WebhookID: wh, Manual: true}) {
		t.Fatalf("queued %+v", msgs)
	}
	wantError(t, h.do("POST", "/v1/tenants/acme/deliveries/msg_missing/retry", key, nil), 404, webhook.ENotFound, "")
	other := h.tenant("other")
	wantError(t, h.do("POST", "/v1/tenants/acme/deliveries/"+d.ID+"/retry", other, nil), 404, webhook.ENotFound, "")
	wantError(t, h.do("POST", "/v1/tenants/other/deliveries/"+d.ID+"/retry", other, nil), 404, webhook.ENotFound, "")
	wantError(t, h.do("POST", "/v1/tenants/acme/deliveries/"+d.ID+"/retry", key, `{"now":true}`), 400, webhook.EInvalid, "now")
	if msgs := h.queued(); len(msgs) != 0 {
		t.Fatalf("rejected retries queued %v", msgs)
	}
}

func TestReplayWebhook(t *testing.T) {
	h := newHarness(t)
	key := h.tenant("acme")
	wh := h.webhook("acme", key, nil)["id"].(string)
	ctx := context.Background()
	base := time.Now().UTC().Truncate(time.Second).Add(-time.Hour)
	for i := range 5 {
		status := webhook.StatusFailed
		if i == 3 {
			status = webhook.StatusSucceeded
		}
		d := webhook.Delivery{ID: fmt.Sprintf("msg_%d", i), TenantID: "acme", EventID: fmt.Sprintf("e%d", i), WebhookID: wh, Status: status, CreatedAt: base.Add(time.Duration(i) * time.Minute), Attempts: []webhook.Attempt{}}
		if _, _, err := h.store.CreateDelivery(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	path := "/v1/tenants/acme/webhooks/" + wh + "/replay"
	r := h.must(h.do("POST", path, key, map[string]string{"since": base.Add(time.Minute).Format(time.RFC3339)}), 202).json(t)
	if r["count"] != float64(3) {
		t.Fatalf("count %v, want 3 (msg_1, msg_2, msg_4)", r["count"])
	}
	ids := map[string]bool{}
	for _, m := range h.queued() {
		if !m.Manual || m.WebhookID != wh {
			t.Errorf("message %+v", m)
		}
		ids[m.DeliveryID] = true
	}
	if !ids["msg_1"] || !ids["msg_2"] || !ids["msg_4"] || len(ids) != 3 {
		t.Fatalf("replayed %v", ids)
	}
	if r := h.must(h.do("POST", path, key, map[string]string{"since": time.Now().Add(time.Hour).Format(time.RFC3339)}), 202).json(t); r["count"] != float64(0) {
		t.Fatalf("future since: %v", r)
	}
	for _, body := range []string{`{}`, `{"since":"yesterday"}`, `{"since":12}`, `{"since":"2026-01-01"}`} {
		wantError(t, h.do("POST", path, key, body), 400, webhook.EInvalid, "since")
	}
	wantError(t, h.do("POST", path, key, nil), 400, webhook.EBadJSON, "")
	wantError(t, h.do("POST", "/v1/tenants/acme/webhooks/wh_missing/replay", key, `{"since":"2026-01-01T00:00:00Z"}`), 404, webhook.ENotFound, "")
	other := h.tenant("other")
	wantError(t, h.do("POST", path, other, `{"since":"2026-01-01T00:00:00Z"}`), 404, webhook.ENotFound, "")
	if msgs := h.queued(); len(msgs) != 0 {
		t.Fatalf("rejected replays queued %v", msgs)
	}
}

func TestRedrive(t *testing.T) {
	h := newHarness(t)
	key := h.tenant("acme")
	ctx := context.Background()
	for i := range 3 {
		if err := h.queue.DeadLetter(ctx, webhook.Message{DeliveryID: fmt.Sprintf("msg_%d", i), TenantID: "acme", EventID: "e", WebhookID: "wh"}); err != nil {
			t.Fatal(err)
		}
	}
	wantError(t, h.do("POST", "/v1/admin/dlq/redrive", key, nil), 403, webhook.EForbidden, "")
	wantError(t, h.do("POST", "/v1/admin/dlq/redrive", "", nil), 401, webhook.EUnauthorized, "")
	r := h.must(h.do("POST", "/v1/admin/dlq/redrive", adminKey, nil), 200).json(t)
	if r["moved"] != float64(3) {
		t.Fatalf("moved %v, want 3", r["moved"])
	}
	msgs := h.queued()
	if len(msgs) != 3 {
		t.Fatalf("queued %v", msgs)
	}
	for _, m := range msgs {
		if !m.Manual {
			t.Errorf("%s redriven without the Manual mark", m.DeliveryID)
		}
	}
	if r := h.must(h.do("POST", "/v1/admin/dlq/redrive", adminKey, `{}`), 200).json(t); r["moved"] != float64(0) {
		t.Fatalf("second redrive moved %v", r["moved"])
	}
}
