package dynamo_test

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/hookrelay/hookrelay/shared/webhook"
)

// TestForgedCursor: a cursor that names the right partition but not the
// table's key attributes is a validation error, not a DynamoDB failure.
func TestForgedCursor(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	forged := []string{
		`{"tenant_id":"acme","foo":"bar"}`,
		`{"tenant_id":"acme"}`,
		`{"tenant_id":"acme","id":"` + strings.Repeat("x", 1100) + `"}`,
	}
	for _, f := range forged {
		c := base64.RawURLEncoding.EncodeToString([]byte(f))
		if _, _, err := s.ListWebhooks(ctx, "acme", webhook.Page{Cursor: c}); webhook.ErrorCode(err) != webhook.EInvalid {
			t.Errorf("ListWebhooks with cursor %.60s: %v, want a validation error", f, err)
		}
	}
	c := base64.RawURLEncoding.EncodeToString([]byte(`{"webhook_key":"acme#wh_1","tenant_id":"acme","id":"msg_1"}`))
	if _, _, err := s.ListDeliveries(ctx, "acme", "wh_1", webhook.DeliveryFilter{}, webhook.Page{Cursor: c}); webhook.ErrorCode(err) != webhook.EInvalid {
		t.Errorf("ListDeliveries without created_key: %v, want a validation error", err)
	}
	c = base64.RawURLEncoding.EncodeToString([]byte(`{"webhook_key":"acme#wh_1","tenant_id":"acme","id":"msg_1","created_key":"x"}`))
	if _, _, err := s.ListDeliveries(ctx, "acme", "wh_1", webhook.DeliveryFilter{}, webhook.Page{Cursor: c}); err != nil {
		t.Errorf("ListDeliveries with a well-formed cursor: %v", err)
	}
}
