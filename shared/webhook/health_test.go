package webhook

import (
	"testing"
	"time"
)

func TestHealthPolicy(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	p := HealthPolicy{DisableAfter: 5 * 24 * time.Hour, DisableMinFailures: 10, BreakerThreshold: 3, BreakerCooldown: time.Minute}
	streak := func(failures int, since, last time.Time) Health {
		return Health{FailingSince: since, Failures: failures, LastFailureAt: last}
	}
	disable := []struct {
		name string
		h    Health
		now  time.Time
		want bool
	}{
		{"healthy", Health{}, t0.Add(30 * 24 * time.Hour), false},
		{"many failures, not for long", streak(50, t0, t0), t0.Add(4 * 24 * time.Hour), false},
		{"long, too few failures", streak(9, t0, t0), t0.Add(6 * 24 * time.Hour), false},
		{"long and many", streak(10, t0, t0), t0.Add(5 * 24 * time.Hour), true},
		{"off", streak(100, t0, t0), t0.Add(100 * 24 * time.Hour), false},
	}
	for i, c := range disable {
		pp := p
		if i == len(disable)-1 {
			pp.DisableAfter = 0
		}
		if got := pp.ShouldDisable(c.h, c.now); got != c.want {
			t.Errorf("ShouldDisable %s = %v, want %v", c.name, got, c.want)
		}
	}
	breaker := []struct {
		name string
		h    Health
		now  time.Time
		want Breaker
		wait time.Duration
	}{
		{"below the threshold", streak(2, t0, t0), t0, BreakerClosed, 0},
		{"just failed", streak(3, t0, t0), t0.Add(10 * time.Second), BreakerOpen, 50 * time.Second},
		{"cooldown over", streak(3, t0, t0), t0.Add(time.Minute), BreakerHalfOpen, 0},
		{"failed again", streak(4, t0, t0.Add(2*time.Minute)), t0.Add(2*time.Minute + time.Second), BreakerOpen, 59 * time.Second},
	}
	for _, c := range breaker {
		got, wait := p.Breaker(c.h, c.now)
		if got != c.want || wait != c.wait {
			t.Errorf("Breaker %s = %v %s, want %v %s", c.name, got, wait, c.want, c.wait)
		}
	}
	if got, _ := (HealthPolicy{}).Breaker(streak(1000, t0, t0), t0); got != BreakerClosed {
		t.Errorf("a zero threshold opened the breaker")
	}
}
