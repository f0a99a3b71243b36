// Package sweeper is hookrelay's reconciliation: it finds deliveries that are
// still pending well after their next attempt was due — their message was
// lost, say in a crash between fanout writing a delivery and enqueuing it, or
// moved to the dead-letter queue by SQS after too many receives — and
// enqueues a message marked Sweep for each. The deliver function lets such a
// message take the delivery over only while it is still pending and overdue
// by the grace, so a sweep that races a live owner costs at most one
// duplicate request with the same webhook-id.
//
// It reads the sparse by_pending index (only pending deliveries carry its
// keys), never scanning the table. In AWS it runs on an EventBridge schedule;
// the local runtime runs it in a loop.
package sweeper

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/hookrelay/hookrelay/shared/webhook"
)

// Defaults.
const (
	// DefaultGrace is how overdue a delivery must be before it is swept in
	// AWS: well beyond a deliver batch, a visibility timeout and the
	// breaker's cooldown.
	DefaultGrace = 10 * time.Minute
	// DefaultLimit bounds the deliveries one run re-enqueues.
	DefaultLimit = 1000
)

// Handler is the sweeper function.
type Handler struct {
	Store webhook.PendingStore
	Queue webhook.Queue
	// Grace is how long after its next attempt time a pending delivery is
	// presumed lost [DefaultGrace].
	Grace time.Duration
	// Limit bounds one run [DefaultLimit].
	Limit int
	// Policy is the deliver function's health policy: a delivery held back
	// by an open circuit breaker is waiting, not lost.
	Policy webhook.HealthPolicy
	Logger *slog.Logger
	Now    func() time.Time
}

// Handle is the Lambda entry point for the scheduled EventBridge event.
func (h *Handler) Handle(ctx context.Context) error {
	_, err := h.Sweep(ctx)
	return err
}

// Sweep re-enqueues the overdue pending deliveries and answers how many.
func (h *Handler) Sweep(ctx context.Context) (int, error) {
	grace, limit := h.Grace, h.Limit
	if grace <= 0 {
		grace = DefaultGrace
	}
	if limit <= 0 {
		limit = DefaultLimit
	}
	now := h.Now()
	due, err := h.Store.DuePending(ctx, now.Add(-grace), limit)
	if err != nil {
		return 0, fmt.Errorf("sweeper: %w", err)
	}
	held := map[string]bool{} // tenant#webhook → breaker open
	var msgs []webhook.Message
	for _, d := range due {
		key := d.TenantID + "#" + d.WebhookID
		open, seen := held[key]
		if !seen {
			open = h.breakerOpen(ctx, d, now, grace)
			held[key] = open
		}
		if open {
			continue
		}
		msgs = append(msgs, webhook.Message{DeliveryID: d.ID, TenantID: d.TenantID, EventID: d.EventID, WebhookID: d.WebhookID, Sweep: true})
		h.Logger.InfoContext(ctx, "sweeper.requeue", "tenant_id", d.TenantID, "webhook_id", d.WebhookID,
			"delivery_id", d.ID, "attempts", len(d.Attempts), "next_attempt_at", d.NextAttemptAt)
	}
	if len(msgs) == 0 {
		return 0, nil
	}
	if err := h.Queue.Enqueue(ctx, msgs); err != nil {
		return 0, fmt.Errorf("sweeper: enqueue %d messages: %w", len(msgs), err)
	}
	h.Logger.InfoContext(ctx, "sweeper.swept", "deliveries", len(msgs))
	return len(msgs), nil
}

// breakerOpen reports whether deliver is holding the webhook's messages back
// (its breaker failed recently): those deliveries wait on purpose.
func (h *Handler) breakerOpen(ctx context.Context, d webhook.Delivery, now time.Time, grace time.Duration) bool {
	w, err := h.Store.GetWebhook(ctx, d.TenantID, d.WebhookID)
	if err != nil {
		return false // a missing webhook: deliver fails the delivery for good
	}
	state, _ := h.Policy.Breaker(w.Health, now)
	return state != webhook.BreakerClosed && now.Sub(w.Health.LastFailureAt) < grace
}
