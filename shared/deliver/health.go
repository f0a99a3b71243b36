package deliver

import (
	"context"
	"log/slog"
	"time"

	"github.com/hookrelay/hookrelay/shared/webhook"
)

// breaker decides whether the circuit breaker holds j's message back instead
// of attempting it; keep says whether the message stays in the queue. An
// open breaker holds every message until its cooldown ends; a half-open one
// lets one probe through per cooldown. A held-back message is replaced by a
// delayed copy that keeps its ownership, so waiting never counts as a
// receive towards the dead-letter queue.
func (h *Handler) breaker(ctx context.Context, log *slog.Logger, j job) (held, keep bool) {
	if h.Health == nil || j.msg.Manual {
		return false, false
	}
	now := h.Now()
	state, wait := h.Policy.Breaker(j.hook.Health, now)
	switch state {
	case webhook.BreakerClosed:
		return false, false
	case webhook.BreakerHalfOpen:
		won, err := h.Health.ClaimProbe(ctx, j.msg.TenantID, j.msg.WebhookID, now, h.Policy.BreakerCooldown)
		if err != nil {
			log.ErrorContext(ctx, "deliver.probe_claim_failed", "error", err.Error())
		}
		if won {
			log.InfoContext(ctx, "breaker.probe", "webhook_id", j.msg.WebhookID)
			return false, false
		}
		wait = h.Policy.BreakerCooldown
	}
	wait = max(wait, time.Second)
	m := j.msg
	if j.delivery.Message != "" && owns(j.delivery, j) {
		m.Owner = j.delivery.Message
	}
	if err := h.Queue.Defer(ctx, m, wait); err != nil {
		log.ErrorContext(ctx, "deliver.defer_failed", "error", err.Error())
		if err := h.Queue.Delay(ctx, receipt(j.rec), wait); err != nil {
			log.ErrorContext(ctx, "deliver.delay_failed", "error", err.Error())
		}
		return true, true
	}
	log.InfoContext(ctx, "breaker.held", "webhook_id", j.msg.WebhookID, "wait_ms", wait.Milliseconds())
	return true, false
}

// track updates the endpoint's failure streak after a recorded attempt that
// ended at end, and disables the webhook when the policy says so. A success
// writes only when there is a streak to end.
func (h *Handler) track(ctx context.Context, log *slog.Logger, j job, ok bool, end time.Time) {
	if h.Health == nil || j.hook.ID == "" {
		return
	}
	if ok {
		if j.hook.Health.Failures == 0 {
			return
		}
		if err := h.Health.RecordSuccess(ctx, j.msg.TenantID, j.msg.WebhookID); err != nil {
			log.ErrorContext(ctx, "deliver.health_failed", "error", err.Error())
		}
		return
	}
	hl, err := h.Health.RecordFailure(ctx, j.msg.TenantID, j.msg.WebhookID, end)
	if err != nil {
		if !webhook.IsNotFound(err) {
			log.ErrorContext(ctx, "deliver.health_failed", "error", err.Error())
		}
		return
	}
	if !j.hook.Enabled || !h.Policy.ShouldDisable(hl, end) {
		return
	}
	reason := h.Policy.DisabledReason(hl)
	if err := h.Health.DisableWebhook(ctx, j.msg.TenantID, j.msg.WebhookID, reason, end); err != nil {
		log.ErrorContext(ctx, "deliver.disable_failed", "error", err.Error())
		return
	}
	log.WarnContext(ctx, "webhook.disabled", "tenant_id", j.msg.TenantID, "webhook_id", j.msg.WebhookID,
		"failures", hl.Failures, "failing_since", hl.FailingSince, "reason", reason)
}
