package lambdaenv

import (
	"net/netip"
	"testing"
	"time"

	"github.com/hookrelay/hookrelay/shared/webhook"
)

func TestReadSafety(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	s, err := ReadSafety(env(nil))
	if err != nil || len(s.Deny) != 0 || s.SweepGrace != 0 || s.Policy != webhook.DefaultHealthPolicy {
		t.Fatalf("defaults: %+v, %v", s, err)
	}
	s, err = ReadSafety(env(map[string]string{
		EnvDenyCIDRs: " 203.0.113.0/24, 198.51.100.7 ,fd00::/8", EnvSweepGrace: "2m",
		EnvDisableAfter: "72h", EnvDisableMinFailures: "5", EnvBreakerThreshold: "0", EnvBreakerCooldown: "30s",
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24"), netip.MustParsePrefix("198.51.100.7/32"), netip.MustParsePrefix("fd00::/8")}
	if len(s.Deny) != 3 || s.Deny[0] != want[0] || s.Deny[1] != want[1] || s.Deny[2] != want[2] {
		t.Errorf("deny %v, want %v", s.Deny, want)
	}
	if s.SweepGrace != 2*time.Minute || s.Policy != (webhook.HealthPolicy{DisableAfter: 72 * time.Hour, DisableMinFailures: 5, BreakerCooldown: 30 * time.Second}) {
		t.Errorf("got %+v", s)
	}
	for k, v := range map[string]string{
		EnvDenyCIDRs: "10.0.0.0/33", EnvSweepGrace: "soon", EnvDisableAfter: "-1h", EnvBreakerThreshold: "x", EnvDisableMinFailures: "-2",
	} {
		if _, err := ReadSafety(env(map[string]string{k: v})); err == nil {
			t.Errorf("%s=%q accepted", k, v)
		}
	}
}
