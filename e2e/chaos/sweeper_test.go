package chaos

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hookrelay/hookrelay/infra/local"
	"github.com/hookrelay/hookrelay/infra/local/localtest"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

// The local runtime's sweeper loop delivers a delivery whose message was
// never sent — as after a fanout that crashed between writing it and
// enqueuing it.
func TestLocalRuntimeSweeperDeliversWhatFanoutNeverEnqueued(t *testing.T) {
	logs := &localtest.SyncBuffer{}
	rt, err := localtest.StartRuntime(local.Config{
		Schedule: schedule, AllowPrivate: true,
		SweepInterval: 500 * time.Millisecond, SweepGrace: time.Second,
		Logger: slog.New(slog.NewJSONHandler(logs, nil)),
	})
	if err != nil {
		t.Fatalf("start the local runtime: %v", err)
	}
	defer rt.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	got := make(chan string, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get("webhook-id")
	}))
	defer srv.Close()
	api := client{t: t, base: rt.URL, key: rt.AdminKey}
	api.must(201, "POST", "/v1/tenants", map[string]string{"id": "sweep", "name": "Sweep"}, nil)
	var w struct{ ID string }
	api.must(201, "POST", "/v1/tenants/sweep/webhooks", map[string]any{"url": srv.URL, "event_types": []string{"*"}}, &w)

	// The event is stored as fanout leaves it alone (a test event), and its
	// delivery written with no message: the state a crashed fanout leaves.
	e := webhook.Event{ID: "evt_swept", TenantID: "sweep", Type: "registration.created", Timestamp: time.Now().UTC(), Data: json.RawMessage(`{}`), Only: w.ID}
	if _, _, err := rt.Store.PutEvent(ctx, e); err != nil {
		t.Fatal(err)
	}
	d := webhook.Delivery{ID: webhook.DeliveryID("sweep", e.ID, w.ID), TenantID: "sweep", EventID: e.ID, EventType: e.Type, WebhookID: w.ID,
		Status: webhook.StatusPending, NextAttemptAt: time.Now(), CreatedAt: time.Now(), Attempts: []webhook.Attempt{}}
	if _, _, err := rt.Store.CreateDelivery(ctx, d); err != nil {
		t.Fatal(err)
	}
	select {
	case id := <-got:
		if id != d.ID {
			t.Fatalf("the receiver got webhook-id %q, want %q", id, d.ID)
		}
	case <-time.After(time.Minute):
		t.Fatal("the sweeper did not deliver the orphaned delivery within a minute")
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		stored, err := rt.Store.GetDelivery(ctx, "sweep", d.ID)
		if err == nil && stored.Status == webhook.StatusSucceeded {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("delivery %+v, %v", stored, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(logs.Lines("sweeper.requeue")) == 0 {
		t.Fatalf("no sweeper.requeue log line")
	}
}
