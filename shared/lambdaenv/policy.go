package lambdaenv

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/hookrelay/hookrelay/shared/sender"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

// Environment variables of delivery safety and reconciliation, read the same
// way by the Lambda functions and the local runtime.
const (
	// EnvDenyCIDRs is a comma-separated list of prefixes (or addresses) no
	// delivery may connect to, whatever HOOKRELAY_ALLOW_PRIVATE_TARGETS says.
	EnvDenyCIDRs = "HOOKRELAY_DENY_CIDRS"
	// EnvSweepGrace is how overdue a pending delivery is before the
	// sweeper re-enqueues it (a Go duration).
	EnvSweepGrace = "HOOKRELAY_SWEEP_GRACE"
	// EnvDisableAfter and EnvDisableMinFailures: a webhook whose attempts
	// all failed for this long, and at least this many in a row, is
	// disabled. "0" never disables.
	EnvDisableAfter       = "HOOKRELAY_DISABLE_AFTER"
	EnvDisableMinFailures = "HOOKRELAY_DISABLE_MIN_FAILURES"
	// EnvBreakerThreshold and EnvBreakerCooldown: after this many failed
	// attempts in a row the circuit breaker holds an endpoint's messages
	// back for the cooldown, then lets one probe through. "0" turns it off.
	EnvBreakerThreshold = "HOOKRELAY_BREAKER_THRESHOLD"
	EnvBreakerCooldown  = "HOOKRELAY_BREAKER_COOLDOWN"
)

// Safety is the delivery-safety part of the environment.
type Safety struct {
	Deny       []netip.Prefix       // HOOKRELAY_DENY_CIDRS
	SweepGrace time.Duration        // HOOKRELAY_SWEEP_GRACE; 0 when unset
	Policy     webhook.HealthPolicy // starts from webhook.DefaultHealthPolicy
}

// ReadSafety parses the variables above through getenv.
func ReadSafety(getenv func(string) string) (Safety, error) {
	out := Safety{Policy: webhook.DefaultHealthPolicy}
	var err error
	if out.Deny, err = sender.ParseDeny(getenv(EnvDenyCIDRs)); err != nil {
		return out, fmt.Errorf("%s: %w", EnvDenyCIDRs, err)
	}
	durations := []struct {
		name string
		dst  *time.Duration
	}{
		{EnvSweepGrace, &out.SweepGrace},
		{EnvDisableAfter, &out.Policy.DisableAfter},
		{EnvBreakerCooldown, &out.Policy.BreakerCooldown},
	}
	for _, d := range durations {
		v := strings.TrimSpace(getenv(d.name))
		if v == "" {
			continue
		}
		if *d.dst, err = time.ParseDuration(v); err != nil || *d.dst < 0 {
			return out, fmt.Errorf("%s: %q is not a non-negative Go duration", d.name, v)
		}
	}
	ints := []struct {
		name string
		dst  *int
	}{
		{EnvDisableMinFailures, &out.Policy.DisableMinFailures},
		{EnvBreakerThreshold, &out.Policy.BreakerThreshold},
	}
	for _, n := range ints {
		v := strings.TrimSpace(getenv(n.name))
		if v == "" {
			continue
		}
		if *n.dst, err = strconv.Atoi(v); err != nil || *n.dst < 0 {
			return out, fmt.Errorf("%s: %q is not a non-negative integer", n.name, v)
		}
	}
	return out, nil
}
