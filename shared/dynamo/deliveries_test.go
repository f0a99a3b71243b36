package dynamo_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hookrelay/hookrelay/shared/webhook"
)

// TestDeliveryListsReadTheItems checks the lists over the KEYS_ONLY indexes:
// full items, newest first, pages and cursors, and a status filter that sees
// a status changed after the delivery was created.
func TestDeliveryListsReadTheItems(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	base := time.Now().UTC().Add(-time.Hour)
	var ds []webhook.Delivery
	for i := range 7 {
		ds = append(ds, webhook.Delivery{
			ID: fmt.Sprintf("msg_%d", i), TenantID: "acme", EventID: "evt_1", EventType: "a.b", WebhookID: "wh_1",
			Status: webhook.StatusPending, NextAttemptAt: base, CreatedAt: base.Add(time.Duration(i) * time.Minute), Attempts: []webhook.Attempt{},
		})
	}
	created, existing, err := s.CreateDeliveries(ctx, ds[:4])
	if err != nil || len(created) != 4 || len(existing) != 0 {
		t.Fatalf("first CreateDeliveries: %d created, %d existing, %v", len(created), len(existing), err)
	}
	created, existing, err = s.CreateDeliveries(ctx, ds)
	if err != nil || len(created) != 3 || len(existing) != 4 || created[0].ID != "msg_4" || existing[0].ID != "msg_0" {
		t.Fatalf("second CreateDeliveries: %v created, %v existing, %v", created, existing, err)
	}
	for _, i := range []int{0, 3, 6} {
		a := webhook.Attempt{Attempt: 1, StartedAt: base, StatusCode: 500, ResponseBody: "down", Error: webhook.ErrHTTPStatus}
		if err := s.RecordAttempt(ctx, "acme", ds[i].ID, webhook.AttemptUpdate{Attempt: a, Status: webhook.StatusFailed}); err != nil {
			t.Fatal(err)
		}
	}
	walk := func(f webhook.DeliveryFilter, limit int) []string {
		var ids []string
		p := webhook.Page{Limit: limit}
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatal("pagination does not end")
			}
			list, next, err := s.ListDeliveries(ctx, "acme", "wh_1", f, p)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) > limit {
				t.Fatalf("page of %d, limit %d", len(list), limit)
			}
			for _, d := range list {
				ids = append(ids, d.ID)
				if d.EventID != "evt_1" || d.WebhookID != "wh_1" {
					t.Fatalf("delivery %+v read without its attributes", d)
				}
				if d.Status == webhook.StatusFailed && (len(d.Attempts) != 1 || d.Attempts[0].ResponseBody != "down") {
					t.Fatalf("delivery %s: attempts %+v", d.ID, d.Attempts)
				}
			}
			if next == "" {
				return ids
			}
			p.Cursor = next
		}
	}
	if got := fmt.Sprint(walk(webhook.DeliveryFilter{}, 3)); got != "[msg_6 msg_5 msg_4 msg_3 msg_2 msg_1 msg_0]" {
		t.Fatalf("all, by 3: %s", got)
	}
	if got := fmt.Sprint(walk(webhook.DeliveryFilter{Status: webhook.StatusFailed}, 2)); got != "[msg_6 msg_3 msg_0]" {
		t.Fatalf("failed, by 2: %s", got)
	}
	if got := fmt.Sprint(walk(webhook.DeliveryFilter{Status: webhook.StatusPending}, 100)); got != "[msg_5 msg_4 msg_2 msg_1]" {
		t.Fatalf("pending: %s", got)
	}
	since, err := s.DeliveriesSince(ctx, "acme", "wh_1", webhook.DeliveryFilter{Status: webhook.StatusFailed}, base.Add(2*time.Minute))
	if err != nil || len(since) != 2 || since[0].ID != "msg_6" || since[1].ID != "msg_3" {
		t.Fatalf("DeliveriesSince = %v, %v", since, err)
	}
	all, err := s.EventDeliveries(ctx, "acme", "evt_1")
	if err != nil || len(all) != 7 {
		t.Fatalf("EventDeliveries: %d, %v", len(all), err)
	}
	for i, d := range all {
		if d.ID != fmt.Sprintf("msg_%d", i) || d.CreatedAt.IsZero() {
			t.Fatalf("EventDeliveries[%d] = %+v", i, d)
		}
	}
}
