// Package deliver makes delivery attempts. It handles batches of the
// delivery queue: for each message it loads the delivery, its event and its
// webhook, POSTs the signed payload, records the attempt and decides what
// follows — done, retried later (the message is hidden for the next delay of
// the retry schedule and reported as a batch item failure), or failed for
// good (the message goes to the dead-letter queue).
package deliver

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/hookrelay/hookrelay/shared/sender"
	"github.com/hookrelay/hookrelay/shared/signature"
	"github.com/hookrelay/hookrelay/shared/sqs"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

// Sender makes one HTTP attempt.
type Sender interface {
	Send(ctx context.Context, r sender.Request) sender.Result
}

// Handler is the deliver function.
type Handler struct {
	Store    webhook.Store
	Queue    webhook.Queue
	Sender   Sender
	Schedule webhook.Schedule
	Logger   *slog.Logger
	Now      func() time.Time
	// Health, when set, keeps each endpoint's failure streak: it disables
	// a webhook that keeps failing and drives the circuit breaker, both
	// by Policy.
	Health webhook.HealthStore
	Policy webhook.HealthPolicy
	// SweepGrace is how overdue a pending delivery must be before a
	// sweeper's message may take it over from its owning message; it must
	// match the sweeper's grace.
	SweepGrace time.Duration
}

// early is how much sooner than its next attempt time a message may arrive
// and still be attempted (SQS visibility has one-second resolution).
const early = time.Second

// Handle processes a batch concurrently, one goroutine per message, and
// reports the messages that must come back later. It first reads every
// delivery, event and webhook the batch refers to together (Store.
// AttemptReads: one request for a batch of ten); should that fail, each
// message reads its own, as if nothing had been read.
func (h *Handler) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	pre := h.preload(ctx, ev.Records)
	keep := make([]bool, len(ev.Records))
	var wg sync.WaitGroup
	for i, rec := range ev.Records {
		wg.Add(1)
		go func() {
			defer wg.Done()
			keep[i] = h.message(ctx, rec, pre)
		}()
	}
	wg.Wait()
	var resp events.SQSEventResponse
	for i, k := range keep {
		if k {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: ev.Records[i].MessageId})
		}
	}
	return resp, nil
}

// job is one message and what it refers to.
type job struct {
	rec      events.SQSMessage
	msg      webhook.Message
	delivery webhook.Delivery
	event    webhook.Event
	hook     webhook.Webhook
}

// preload reads what the batch's decodable messages refer to, or answers
// nil when there is none or the read fails.
func (h *Handler) preload(ctx context.Context, recs []events.SQSMessage) *webhook.AttemptData {
	msgs := make([]webhook.Message, 0, len(recs))
	for _, rec := range recs {
		if msg, err := sqs.Decode(rec.Body); err == nil {
			msgs = append(msgs, msg)
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	pre, err := h.Store.AttemptReads(ctx, msgs)
	if err != nil {
		h.Logger.WarnContext(ctx, "deliver.batch_read_failed", "error", err.Error())
		return nil
	}
	return &pre
}

// message handles one message and reports whether it must stay in the
// queue. pre, when not nil, holds what the message refers to, read for the
// whole batch; otherwise the message reads its own.
func (h *Handler) message(ctx context.Context, rec events.SQSMessage, pre *webhook.AttemptData) bool {
	log := h.Logger.With("message_id", rec.MessageId)
	msg, err := sqs.Decode(rec.Body)
	if err != nil {
		log.ErrorContext(ctx, "deliver.bad_message", "error", err.Error())
		return false // it will never decode; keeping it would only loop
	}
	j := job{rec: rec, msg: msg}
	log = log.With("tenant_id", msg.TenantID, "delivery_id", msg.DeliveryID)
	if pre != nil {
		j.delivery, err = pre.Delivery(msg)
	} else {
		j.delivery, err = h.Store.GetDelivery(ctx, msg.TenantID, msg.DeliveryID)
	}
	if err != nil {
		if webhook.IsNotFound(err) {
			log.WarnContext(ctx, "deliver.unknown_delivery")
			return false
		}
		log.ErrorContext(ctx, "deliver.load_failed", "error", err.Error())
		return true
	}
	if skip, keep := h.skip(ctx, log, j); skip {
		return keep
	}
	if err := h.load(ctx, &j, pre); err != nil {
		if webhook.IsNotFound(err) {
			return h.finish(ctx, log, j, h.Now(), sender.Result{Err: "not_found: " + err.Error()}, false)
		}
		log.ErrorContext(ctx, "deliver.load_failed", "error", err.Error())
		return true
	}
	if held, keep := h.breaker(ctx, log, j); held {
		return keep
	}
	started := h.Now()
	res := h.Sender.Send(ctx, h.request(j, started))
	return h.finish(ctx, log, j, started, res, true)
}

// skip decides, before any request, whether the message is a duplicate or
// early; keep says whether it stays in the queue.
func (h *Handler) skip(ctx context.Context, log *slog.Logger, j job) (skip, keep bool) {
	d := j.delivery
	if j.msg.Manual {
		return false, false
	}
	if d.Status != webhook.StatusPending {
		return true, false // already done: a late copy
	}
	if len(d.Attempts) > 0 && !owns(d, j) {
		if !j.msg.Sweep || h.Now().Before(d.NextAttemptAt.Add(h.SweepGrace)) {
			log.InfoContext(ctx, "deliver.duplicate_message")
			return true, false // another message owns this delivery's retries
		}
		// The owner is overdue by the grace: presumed lost. This sweeper's
		// message takes over; the attempt count guards the record, and the
		// old owner, should it return, is then a duplicate.
		log.InfoContext(ctx, "deliver.takeover", "owner", d.Message)
	}
	if wait := d.NextAttemptAt.Sub(h.Now()); wait > early {
		if err := h.Queue.Delay(ctx, receipt(j.rec), wait); err != nil {
			log.ErrorContext(ctx, "deliver.delay_failed", "error", err.Error())
		}
		return true, true
	}
	return false, false
}

// owns reports whether j's message owns the delivery's automatic attempts:
// it is the owning message, or the circuit breaker's copy standing in for it.
func owns(d webhook.Delivery, j job) bool {
	return d.Message == "" || d.Message == j.rec.MessageId || (j.msg.Owner != "" && j.msg.Owner == d.Message)
}

// load takes the event and the webhook of a delivery from pre, or reads
// them, in one request, when pre is nil.
func (h *Handler) load(ctx context.Context, j *job, pre *webhook.AttemptData) error {
	var err error
	if pre != nil {
		j.event, j.hook, err = pre.EventAndWebhook(j.msg)
		return err
	}
	j.event, j.hook, err = h.Store.EventAndWebhook(ctx, j.msg.TenantID, j.msg.EventID, j.msg.WebhookID)
	return err
}

// request builds the signed POST of one attempt.
func (h *Handler) request(j job, now time.Time) sender.Request {
	body := j.event.Payload()
	hdr := make(http.Header, len(j.hook.Headers)+3)
	for k, v := range j.hook.Headers {
		hdr.Set(k, v)
	}
	sig, err := signature.Sign(j.delivery.ID, now, body, j.hook.Secrets(now)...)
	if err != nil {
		h.Logger.Error("deliver.sign_failed", "webhook_id", j.hook.ID, "error", err.Error())
	}
	hdr.Set(signature.HeaderID, j.delivery.ID)
	hdr.Set(signature.HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	hdr.Set(signature.HeaderSignature, sig)
	return sender.Request{URL: j.hook.URL, Body: body, Headers: hdr, Timeout: j.hook.Timeout()}
}

// finish records the attempt, logs it and moves the message on: deleted,
// hidden until the next attempt, or sent to the dead-letter queue.
func (h *Handler) finish(ctx context.Context, log *slog.Logger, j job, started time.Time, res sender.Result, retries bool) bool {
	n := len(j.delivery.Attempts) + 1
	attempt := webhook.Attempt{
		Attempt: n, StartedAt: started, DurationMS: res.Duration.Milliseconds(),
		StatusCode: res.StatusCode, ResponseBody: res.Body, Error: res.Err,
	}
	ok := res.Err == "" && res.StatusCode >= 200 && res.StatusCode < 300
	outcome := webhook.Outcome{}
	if !ok && !j.msg.Manual && retries {
		outcome = h.Schedule.AfterFailure(n, j.hook.Retry, res.StatusCode, res.RetryAfter)
	}
	u := webhook.AttemptUpdate{Attempt: attempt, Message: j.rec.MessageId}
	switch {
	case ok:
		u.Status = webhook.StatusSucceeded
	case outcome.Retry:
		u.Status = webhook.StatusPending
		u.NextAttemptAt = started.Add(res.Duration).Add(outcome.Delay)
	default:
		u.Status = webhook.StatusFailed
		// Into the dead-letter queue before the record says failed: a crash
		// in between repeats the attempt rather than losing the message.
		if err := h.Queue.DeadLetter(ctx, j.msg); err != nil {
			log.ErrorContext(ctx, "deliver.dead_letter_failed", "error", err.Error())
			return true
		}
	}
	if err := h.Store.RecordAttempt(ctx, j.msg.TenantID, j.delivery.ID, u); err != nil {
		if webhook.IsConflict(err) {
			log.InfoContext(ctx, "deliver.duplicate_attempt", "attempt", n)
			return false
		}
		log.ErrorContext(ctx, "deliver.record_failed", "error", err.Error())
		return true
	}
	h.logAttempt(ctx, j, attempt, u.Status)
	if retries {
		h.track(ctx, log, j, ok, started.Add(res.Duration))
	}
	if u.Status != webhook.StatusPending {
		return false
	}
	if err := h.Queue.Delay(ctx, receipt(j.rec), outcome.Delay); err != nil {
		log.ErrorContext(ctx, "deliver.delay_failed", "error", err.Error())
	}
	return true
}

// logAttempt writes the one JSON line of SPEC §4 for an attempt.
func (h *Handler) logAttempt(ctx context.Context, j job, a webhook.Attempt, status string) {
	outcome := status
	if status == webhook.StatusPending {
		outcome = "retrying"
	}
	level := slog.LevelInfo
	if outcome != webhook.StatusSucceeded {
		level = slog.LevelWarn
	}
	h.Logger.LogAttrs(ctx, level, "delivery.attempt",
		slog.String("tenant_id", j.msg.TenantID),
		slog.String("webhook_id", j.msg.WebhookID),
		slog.String("event_id", j.msg.EventID),
		slog.String("delivery_id", j.delivery.ID),
		slog.Int("attempt", a.Attempt),
		slog.Int("status_code", a.StatusCode),
		slog.Int64("duration_ms", a.DurationMS),
		slog.String("outcome", outcome),
		slog.String("error", a.Error),
	)
}

func receipt(m events.SQSMessage) string { return m.ReceiptHandle }
