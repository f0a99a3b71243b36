package webhook

import (
	"context"
	"fmt"
	"time"
)

// Health is an endpoint's current failure streak, kept on its webhook. It is
// zero while the last attempt succeeded.
type Health struct {
	// FailingSince is when the first failed attempt of the streak started.
	FailingSince time.Time
	// Failures counts the consecutive failed attempts of the streak.
	Failures int
	// LastFailureAt is when the latest failed attempt ended.
	LastFailureAt time.Time
	// ProbeAt is when the circuit breaker last let one attempt through.
	ProbeAt time.Time
}

// HealthPolicy decides when a failing endpoint is disabled, and when the
// circuit breaker holds its messages back instead of attempting them.
type HealthPolicy struct {
	// DisableAfter is how long every attempt must have failed before the
	// webhook is disabled; 0 never disables.
	DisableAfter time.Duration
	// DisableMinFailures is how many consecutive failed attempts that takes
	// at least, so that a rarely used webhook is not disabled by one or two.
	DisableMinFailures int
	// BreakerThreshold is how many consecutive failed attempts open the
	// breaker; 0 turns it off.
	BreakerThreshold int
	// BreakerCooldown is how long an open breaker holds messages back after
	// the latest failure before it lets one probe through (half-open).
	BreakerCooldown time.Duration
}

// DefaultHealthPolicy disables a webhook after 5 days and at least 20
// failed attempts in a row, and opens the breaker after 10 in a row for a
// minute at a time.
var DefaultHealthPolicy = HealthPolicy{
	DisableAfter:       5 * 24 * time.Hour,
	DisableMinFailures: 20,
	BreakerThreshold:   10,
	BreakerCooldown:    time.Minute,
}

// ShouldDisable reports whether a webhook with health h is to be disabled at
// now.
func (p HealthPolicy) ShouldDisable(h Health, now time.Time) bool {
	return p.DisableAfter > 0 && !h.FailingSince.IsZero() &&
		h.Failures >= max(p.DisableMinFailures, 1) && now.Sub(h.FailingSince) >= p.DisableAfter
}

// DisabledReason is the disabled_reason of a webhook disabled for health h.
func (p HealthPolicy) DisabledReason(h Health) string {
	return fmt.Sprintf("disabled automatically: every attempt failed since %s (%d in a row); re-enable it with PATCH {\"enabled\": true}",
		h.FailingSince.UTC().Format(time.RFC3339), h.Failures)
}

// Breaker states.
type Breaker int

const (
	// BreakerClosed lets every attempt through.
	BreakerClosed Breaker = iota
	// BreakerOpen holds every message back until the cooldown ends.
	BreakerOpen
	// BreakerHalfOpen lets one probe through; the others wait.
	BreakerHalfOpen
)

// Breaker is the circuit breaker's state for an endpoint with health h, and,
// when open, how long it stays open.
func (p HealthPolicy) Breaker(h Health, now time.Time) (Breaker, time.Duration) {
	if p.BreakerThreshold <= 0 || h.Failures < p.BreakerThreshold {
		return BreakerClosed, 0
	}
	if wait := h.LastFailureAt.Add(p.BreakerCooldown).Sub(now); wait > 0 {
		return BreakerOpen, wait
	}
	return BreakerHalfOpen, 0
}

// HealthStore keeps the failure streaks of webhooks. Each method is one
// conditional write on the webhook's item.
type HealthStore interface {
	// RecordFailure adds a failed attempt that ended at to the streak and
	// returns the streak.
	RecordFailure(ctx context.Context, tenantID, webhookID string, at time.Time) (Health, error)
	// RecordSuccess ends the streak. It writes nothing when there is none.
	RecordSuccess(ctx context.Context, tenantID, webhookID string) error
	// ClaimProbe lets exactly one caller per cooldown make the half-open
	// breaker's probe; it reports whether this caller won.
	ClaimProbe(ctx context.Context, tenantID, webhookID string, now time.Time, cooldown time.Duration) (bool, error)
	// DisableWebhook disables an enabled webhook with a reason (a new
	// version); it is a no-op for one that is already disabled.
	DisableWebhook(ctx context.Context, tenantID, webhookID, reason string, now time.Time) error
}

// PendingStore finds deliveries whose automatic attempt is overdue, through
// an index that holds only pending deliveries.
type PendingStore interface {
	// DuePending returns up to limit pending deliveries whose next attempt
	// was due before before.
	DuePending(ctx context.Context, before time.Time, limit int) ([]Delivery, error)
	GetWebhook(ctx context.Context, tenantID, id string) (Webhook, error)
}
