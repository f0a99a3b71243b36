package signature_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/hookrelay/hookrelay/shared/signature"
)

// SECURITY.md tells receivers that their Standard Webhooks library rejects a
// request whose webhook-timestamp is more than 5 minutes away from their
// clock, so a captured request cannot be replayed later. This holds it to
// that, with hookrelay's own signatures.
func TestReceiverLibrariesRejectReplayedRequests(t *testing.T) {
	secret := newSecret(t)
	body := []byte(`{"id":"evt_1","type":"registration.created","timestamp":"2026-11-22T07:30:00Z","data":{}}`)
	for _, c := range []struct {
		age    time.Duration
		accept bool
	}{
		{0, true}, {4 * time.Minute, true}, {6 * time.Minute, false}, {time.Hour, false}, {-6 * time.Minute, false},
	} {
		at := time.Now().Add(-c.age)
		sig, err := signature.Sign("msg_replay", at, body, secret)
		if err != nil {
			t.Fatal(err)
		}
		h := http.Header{}
		h.Set("webhook-id", "msg_replay")
		h.Set("webhook-timestamp", strconv.FormatInt(at.Unix(), 10))
		h.Set("webhook-signature", sig)
		for name, lib := range libraries(t, secret) {
			err := lib.Verify(body, h)
			if (err == nil) != c.accept {
				t.Errorf("%s, signed %s ago: verify error %v, want accepted=%v", name, c.age, err, c.accept)
			}
		}
	}
}
