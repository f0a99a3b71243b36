package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hookrelay/hookrelay/shared/webhook"
)

// updateTries bounds how often an update without a version precondition is
// retried after losing a race.
const updateTries = 3

// patchInput is the body of PATCH …/webhooks/{id}: the fields to change and,
// optionally, the version they were read at.
type patchInput struct {
	webhook.WebhookInput
	Version *int `json:"version"`
}

// patchWebhook handles PATCH /v1/tenants/{t}/webhooks/{id}. With a version
// (in the body or If-Match) the change applies only to that version, else
// 409; without one it applies to the current version.
func (s *server) patchWebhook(w http.ResponseWriter, r *http.Request) error {
	var in patchInput
	if err := s.decodeBody(w, r, &in); err != nil {
		return err
	}
	if in.Secret != nil {
		return webhook.Invalid("secret", "cannot be changed here; use POST …/secret/rotate")
	}
	want, err := expectedVersion(r, in.Version)
	if err != nil {
		return err
	}
	updated, err := s.updateWebhook(r, want, func(wh *webhook.Webhook) error {
		return wh.Apply(in.WebhookInput, s.cfg.AllowPrivate, s.now())
	})
	if err != nil {
		return err
	}
	setETag(w, updated)
	writeJSON(w, http.StatusOK, viewWebhook(updated))
	return nil
}

// expectedVersion reads the version precondition: the body's version or the
// If-Match header; 0 means none.
func expectedVersion(r *http.Request, body *int) (int, error) {
	v := 0
	if body != nil {
		if *body < 1 {
			return 0, webhook.Invalid("version", "must be a positive integer")
		}
		v = *body
	}
	header := strings.TrimSpace(r.Header.Get("If-Match"))
	if header == "" || header == "*" {
		return v, nil
	}
	tag := strings.Trim(strings.TrimPrefix(header, "W/"), `"`)
	n, err := strconv.Atoi(tag)
	if err != nil || n < 1 {
		return 0, webhook.Errorf(webhook.EConflict, "If-Match %q does not match the webhook's version", header)
	}
	if v != 0 && v != n {
		return 0, webhook.Invalid("version", "differs from the If-Match header")
	}
	return n, nil
}

// updateWebhook reads the path's webhook, applies change and stores it if
// the stored version is still the one read. With want > 0 the webhook must be
// at that version; otherwise a lost race is retried a few times.
func (s *server) updateWebhook(r *http.Request, want int, change func(*webhook.Webhook) error) (webhook.Webhook, error) {
	for try := 1; ; try++ {
		wh, err := s.webhookOf(r)
		if err != nil {
			return wh, err
		}
		if want != 0 && wh.Version != want {
			return wh, webhook.Errorf(webhook.EConflict, "the webhook is at version %d, not %d; read it and try again", wh.Version, want)
		}
		prev := wh.Version
		if err := change(&wh); err != nil {
			return wh, err
		}
		err = s.cfg.Store.UpdateWebhook(r.Context(), wh, prev)
		if err == nil || !webhook.IsConflict(err) || want != 0 || try == updateTries {
			return wh, err
		}
	}
}

// setETag sets the webhook's version as its entity tag.
func setETag(w http.ResponseWriter, wh webhook.Webhook) {
	w.Header().Set("ETag", `"`+strconv.Itoa(wh.Version)+`"`)
}

// rotateInput is the optional body of a rotation: the new secret, when the
// caller brings its own.
type rotateInput struct {
	Secret *string `json:"secret"`
}

// rotatedView is the answer to a rotation: the new secret, shown once, and
// until when the previous one still signs.
type rotatedView struct {
	webhookView
	Secret                  string    `json:"secret"`
	PreviousSecretExpiresAt time.Time `json:"previous_secret_expires_at"`
}

// rotateSecret handles POST /v1/tenants/{t}/webhooks/{id}/secret/rotate: a
// new secret; the old one keeps signing for 24 hours.
func (s *server) rotateSecret(w http.ResponseWriter, r *http.Request) error {
	var in rotateInput
	if err := s.decodeOptionalBody(w, r, &in); err != nil {
		return err
	}
	secret := webhook.NewSecret()
	if in.Secret != nil {
		if err := webhook.ValidateSecret(*in.Secret); err != nil {
			return err
		}
		secret = *in.Secret
	}
	now := s.now()
	updated, err := s.updateWebhook(r, 0, func(wh *webhook.Webhook) error {
		wh.Rotate(secret, now)
		return nil
	})
	if err != nil {
		return err
	}
	setETag(w, updated)
	writeJSON(w, http.StatusOK, rotatedView{webhookView: viewWebhook(updated), Secret: updated.Secret, PreviousSecretExpiresAt: updated.PreviousSecretExpiresAt})
	return nil
}

// testInput is the optional body of a webhook test.
type testInput struct {
	EventType *string `json:"event_type"`
}

// TestEventType is the type of the event a test sends when there is no
// event of the asked type.
const TestEventType = "webhook.test"

// testWebhook handles POST /v1/tenants/{t}/webhooks/{id}/test: a delivery of
// the tenant's newest event of event_type, or of a new webhook.test event
// meant for this webhook alone → 202 {delivery_id, event_id}.
func (s *server) testWebhook(w http.ResponseWriter, r *http.Request) error {
	var in testInput
	if err := s.decodeOptionalBody(w, r, &in); err != nil {
		return err
	}
	if in.EventType != nil {
		if err := webhook.ValidateEventType("event_type", *in.EventType); err != nil {
			return err
		}
	}
	wh, err := s.webhookOf(r)
	if err != nil {
		return err
	}
	e, err := s.testEvent(r.Context(), wh, in.EventType)
	if err != nil {
		return err
	}
	now := s.now()
	d := webhook.Delivery{
		ID: webhook.NewID("msg"), TenantID: wh.TenantID, EventID: e.ID, EventType: e.Type, WebhookID: wh.ID,
		Status: webhook.StatusPending, NextAttemptAt: now, CreatedAt: now, Attempts: []webhook.Attempt{},
	}
	if _, _, err := s.cfg.Store.CreateDelivery(r.Context(), d); err != nil {
		return err
	}
	if err := s.cfg.Queue.Enqueue(r.Context(), []webhook.Message{messageOf(d, false)}); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"delivery_id": d.ID, "event_id": e.ID})
	return nil
}

// testEvent returns the tenant's newest event of eventType, or, when there
// is none or no type was asked for, a new webhook.test event stored for wh
// alone (fan-out leaves it be).
func (s *server) testEvent(ctx context.Context, wh webhook.Webhook, eventType *string) (webhook.Event, error) {
	if eventType != nil {
		e, err := s.cfg.Store.LatestEvent(ctx, wh.TenantID, *eventType)
		if err == nil || !webhook.IsNotFound(err) {
			return e, err
		}
	}
	data, err := json.Marshal(map[string]string{"webhook_id": wh.ID, "message": "This is a test event from hookrelay."})
	if err != nil {
		return webhook.Event{}, fmt.Errorf("api: test event data: %w", err)
	}
	e := webhook.Event{
		ID: webhook.NewID("evt"), TenantID: wh.TenantID, Type: TestEventType,
		Timestamp: s.now().Truncate(time.Second), Data: data, Only: wh.ID,
	}
	stored, _, err := s.cfg.Store.PutEvent(ctx, e)
	return stored, err
}

// messageOf is the queue message of a delivery.
func messageOf(d webhook.Delivery, manual bool) webhook.Message {
	return webhook.Message{DeliveryID: d.ID, TenantID: d.TenantID, EventID: d.EventID, WebhookID: d.WebhookID, Manual: manual}
}

// retryDelivery handles POST /v1/tenants/{t}/deliveries/{id}/retry: one more
// attempt now, whatever the status, under the same webhook-id → 202.
func (s *server) retryDelivery(w http.ResponseWriter, r *http.Request) error {
	if err := s.decodeOptionalBody(w, r, &struct{}{}); err != nil {
		return err
	}
	id, err := pathID(r, "delivery")
	if err != nil {
		return err
	}
	d, err := s.cfg.Store.GetDelivery(r.Context(), r.PathValue("t"), id)
	if err != nil {
		return err
	}
	if err := s.cfg.Queue.Enqueue(r.Context(), []webhook.Message{messageOf(d, true)}); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"delivery_id": d.ID})
	return nil
}

// replayInput is the body of a replay.
type replayInput struct {
	Since *string `json:"since"`
}

// replayWebhook handles POST /v1/tenants/{t}/webhooks/{id}/replay {since}:
// one more attempt for each of the webhook's failed deliveries created since
// then → 202 {count}.
func (s *server) replayWebhook(w http.ResponseWriter, r *http.Request) error {
	var in replayInput
	if err := s.decodeBody(w, r, &in); err != nil {
		return err
	}
	if in.Since == nil {
		return webhook.Invalid("since", "is required (an RFC 3339 time)")
	}
	since, err := time.Parse(time.RFC3339, *in.Since)
	if err != nil {
		return webhook.Invalid("since", "must be an RFC 3339 time such as 2026-11-22T07:30:00Z")
	}
	wh, err := s.webhookOf(r)
	if err != nil {
		return err
	}
	failed, err := s.cfg.Store.DeliveriesSince(r.Context(), wh.TenantID, wh.ID, webhook.DeliveryFilter{Status: webhook.StatusFailed}, since)
	if err != nil {
		return err
	}
	msgs := make([]webhook.Message, len(failed))
	for i, d := range failed {
		msgs[i] = messageOf(d, true)
	}
	if err := s.cfg.Queue.Enqueue(r.Context(), msgs); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]int{"count": len(msgs)})
	return nil
}

// redriveBudget bounds one redrive request, well inside API Gateway's 30 s;
// a caller with more dead letters calls again.
const redriveBudget = 20 * time.Second

// redrive handles POST /v1/admin/dlq/redrive: the dead letters go back to
// the delivery queue, one more attempt each → 200 {moved}.
func (s *server) redrive(w http.ResponseWriter, r *http.Request) error {
	if err := s.decodeOptionalBody(w, r, &struct{}{}); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(r.Context(), redriveBudget)
	defer cancel()
	moved, err := s.cfg.Queue.Redrive(ctx)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]int{"moved": moved})
	return nil
}
