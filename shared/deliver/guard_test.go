package deliver_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hookrelay/hookrelay/shared/lambdaenv"
	"github.com/hookrelay/hookrelay/shared/sender"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

// A webhook that points at a loopback receiver (created while private
// targets were allowed, or a name that now resolves to loopback) gets no
// request: the attempt is recorded and logged with error blocked_address.
// Once by the built-in guard (HOOKRELAY_ALLOW_PRIVATE_TARGETS=false), once
// by the deny list alone (HOOKRELAY_DENY_CIDRS, private targets allowed).
func TestRefusedAddressIsRecordedAndLoggedAndReceivesNothing(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"private targets not allowed": {"HOOKRELAY_ALLOW_PRIVATE_TARGETS": "false"},
		"deny list":                   {"HOOKRELAY_ALLOW_PRIVATE_TARGETS": "true", "HOOKRELAY_DENY_CIDRS": "10.0.0.0/8, 127.0.0.0/8,::1"},
	} {
		t.Run(name, func(t *testing.T) {
			getenv := func(k string) string {
				if k == "HOOKRELAY_QUEUE_URL" || k == "HOOKRELAY_DLQ_URL" {
					return "set"
				}
				return env[k]
			}
			cfg, err := lambdaenv.Read(getenv)
			if err != nil {
				t.Fatal(err)
			}
			f := setup(t, webhook.Schedule{0})
			f.handler.Sender = sender.New(sender.Options{AllowPrivate: cfg.AllowPrivate, Deny: cfg.Deny})
			var seen atomic.Int32
			_, d := f.hook(t, receiver(t, 200, &seen, nil), true)
			f.handle(t, d)

			if seen.Load() != 0 {
				t.Fatalf("the loopback receiver got %d requests", seen.Load())
			}
			got, _ := f.store.GetDelivery(context.Background(), "acme", d.ID)
			if got.Status != webhook.StatusFailed || len(got.Attempts) != 1 || got.Attempts[0].Error != webhook.ErrBlockedAddress {
				t.Fatalf("delivery %+v", got)
			}
			var line map[string]any
			for _, l := range strings.Split(f.logs.String(), "\n") {
				if strings.Contains(l, `"msg":"delivery.attempt"`) {
					_ = json.Unmarshal([]byte(l), &line)
				}
			}
			if line["error"] != webhook.ErrBlockedAddress || line["outcome"] != "failed" || line["delivery_id"] != d.ID {
				t.Fatalf("delivery.attempt line %v in:\n%s", line, f.logs)
			}
		})
	}
}
