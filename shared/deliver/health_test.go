package deliver_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/hookrelay/hookrelay/shared/webhook"
)

// switchable is a receiver whose status the test changes.
func switchable(t *testing.T, status *atomic.Int32, seen *atomic.Int32) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		seen.Add(1)
		w.WriteHeader(int(status.Load()))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// deliveries stores n events and a pending delivery of each to w.
func (f *fixture) deliveries(t *testing.T, w webhook.Webhook, n int) []webhook.Delivery {
	t.Helper()
	ctx := context.Background()
	var out []webhook.Delivery
	for i := range n {
		e := webhook.Event{ID: fmt.Sprintf("evt_%s_%d", w.ID, i), TenantID: "acme", Type: "registration.created", Timestamp: time.Now().UTC(), Data: json.RawMessage(`{}`)}
		if _, _, err := f.store.PutEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
		d := webhook.Delivery{ID: webhook.DeliveryID("acme", e.ID, w.ID), TenantID: "acme", EventID: e.ID, EventType: e.Type,
			WebhookID: w.ID, Status: webhook.StatusPending, NextAttemptAt: time.Now(), CreatedAt: time.Now(), Attempts: []webhook.Attempt{}}
		if _, _, err := f.store.CreateDelivery(ctx, d); err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

func (f *fixture) handle(t *testing.T, ds ...webhook.Delivery) events.SQSEventResponse {
	t.Helper()
	bodies := make([]string, len(ds))
	for i, d := range ds {
		bodies[i] = body(d)
	}
	resp, err := f.handler.Handle(context.Background(), f.batch(t, bodies...))
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestCircuitBreakerHoldsBackAFailingEndpointAndClosesOnRecovery(t *testing.T) {
	f := setup(t, webhook.Schedule{0, time.Hour, time.Hour})
	var status, seen atomic.Int32
	status.Store(500)
	w, _ := f.hook(t, switchable(t, &status, &seen), true)
	f.handler.Health = f.store
	f.handler.Policy = webhook.HealthPolicy{BreakerThreshold: 3, BreakerCooldown: time.Hour}
	ds := f.deliveries(t, w, 8)

	// Three failures in a row open the breaker.
	for _, d := range ds[:3] {
		f.handle(t, d)
	}
	if seen.Load() != 3 {
		t.Fatalf("%d requests before the breaker opened, want 3", seen.Load())
	}
	// Open: the next message is held back without a request, replaced by a
	// delayed copy (its own message is deleted, so holding back never counts
	// towards the dead-letter queue).
	if resp := f.handle(t, ds[3]); len(resp.BatchItemFailures) != 0 || seen.Load() != 3 {
		t.Fatalf("open breaker: kept %v, %d requests", resp.BatchItemFailures, seen.Load())
	}
	if got, _ := f.store.GetDelivery(context.Background(), "acme", ds[3].ID); len(got.Attempts) != 0 || got.Status != webhook.StatusPending {
		t.Fatalf("a held-back delivery changed: %+v", got)
	}
	if !strings.Contains(f.logs.String(), `"msg":"breaker.held"`) {
		t.Fatalf("no breaker.held line:\n%s", f.logs)
	}

	// After the cooldown the breaker is half-open: of two messages at once,
	// exactly one probes; it fails, so the breaker stays open.
	f.handler.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	f.handle(t, ds[4], ds[5])
	if seen.Load() != 4 {
		t.Fatalf("half-open with two messages made %d requests, want 1 probe", seen.Load()-3)
	}
	// The endpoint recovers; the next probe (another cooldown later)
	// succeeds and closes the breaker: every message goes through again.
	status.Store(200)
	f.handler.Now = func() time.Time { return time.Now().Add(4 * time.Hour) }
	f.handle(t, ds[6])
	if seen.Load() != 5 {
		t.Fatalf("the recovery probe was not made (%d requests)", seen.Load())
	}
	got, _ := f.store.GetWebhook(context.Background(), "acme", w.ID)
	if got.Health != (webhook.Health{}) {
		t.Fatalf("a success left the streak %+v", got.Health)
	}
	if resp := f.handle(t, ds[7]); len(resp.BatchItemFailures) != 0 || seen.Load() != 6 {
		t.Fatalf("closed breaker: %d requests, want 6", seen.Load())
	}
}

func TestWebhookFailingForDaysIsDisabledAndPatchReenablesIt(t *testing.T) {
	f := setup(t, webhook.Schedule{0, time.Hour})
	var status, seen atomic.Int32
	status.Store(503)
	w, _ := f.hook(t, switchable(t, &status, &seen), true)
	f.handler.Health = f.store
	f.handler.Policy = webhook.HealthPolicy{DisableAfter: 5 * 24 * time.Hour, DisableMinFailures: 3}
	ds := f.deliveries(t, w, 4)
	ctx := context.Background()

	// Three failures within a moment: many, but not for 5 days.
	for _, d := range ds[:3] {
		f.handle(t, d)
	}
	got, _ := f.store.GetWebhook(ctx, "acme", w.ID)
	if !got.Enabled || got.Health.Failures != 3 || got.Health.FailingSince.IsZero() {
		t.Fatalf("after 3 quick failures: enabled %v, health %+v", got.Enabled, got.Health)
	}
	// Five days and a minute later the endpoint still fails: disabled.
	f.handler.Now = func() time.Time { return time.Now().Add(5*24*time.Hour + time.Minute) }
	f.handle(t, ds[3])
	got, _ = f.store.GetWebhook(ctx, "acme", w.ID)
	if got.Enabled || !strings.Contains(got.DisabledReason, "4 in a row") || got.Version != w.Version+1 {
		t.Fatalf("after 5 days of failures: enabled %v, reason %q, version %d", got.Enabled, got.DisabledReason, got.Version)
	}
	if got.Subscribes("registration.created") {
		t.Fatal("a disabled webhook still subscribes: fanout would give it new events")
	}
	if !strings.Contains(f.logs.String(), `"msg":"webhook.disabled"`) {
		t.Fatalf("no webhook.disabled line:\n%s", f.logs)
	}
	// PATCH {"enabled": true} applies this input: enabled again, reason and
	// streak cleared, so it is not disabled again by its old failures.
	prev := got.Version
	if err := got.Apply(webhook.WebhookInput{Enabled: ptr(true)}, true, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := f.store.UpdateWebhook(ctx, got, prev); err != nil {
		t.Fatal(err)
	}
	got, _ = f.store.GetWebhook(ctx, "acme", w.ID)
	if !got.Enabled || got.DisabledReason != "" || got.Health != (webhook.Health{}) || !got.Subscribes("registration.created") {
		t.Fatalf("re-enabled webhook: %+v", got)
	}
}

func ptr[T any](v T) *T { return &v }
