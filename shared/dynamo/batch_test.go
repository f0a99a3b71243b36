package dynamo_test

import (
	"context"
	"testing"

	"github.com/hookrelay/hookrelay/shared/webhook"
)

func TestEventAndWebhook(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	w := storeWebhook(t, s, "registration.*")
	e := storeEvent(t, s)

	gotE, gotW, err := s.EventAndWebhook(ctx, "acme", e.ID, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if gotE.ID != e.ID || gotE.Type != e.Type || string(gotE.Data) != `{"n":1}` || !gotE.Timestamp.Equal(e.Timestamp) {
		t.Errorf("event = %+v", gotE)
	}
	if gotW.ID != w.ID || gotW.URL != w.URL || gotW.Secret != w.Secret || !gotW.Subscribes("registration.created") {
		t.Errorf("webhook = %+v", gotW)
	}

	for _, c := range []struct{ tenant, event, hook string }{
		{"acme", "evt_missing", w.ID},
		{"acme", e.ID, "wh_missing"},
		{"other", e.ID, w.ID}, // another tenant's ids are not found either
	} {
		if _, _, err := s.EventAndWebhook(ctx, c.tenant, c.event, c.hook); !webhook.IsNotFound(err) {
			t.Errorf("EventAndWebhook(%q, %q, %q): %v, want not found", c.tenant, c.event, c.hook, err)
		}
	}
}
