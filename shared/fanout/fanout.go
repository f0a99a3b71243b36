// Package fanout turns new events into deliveries. It handles the events
// table's DynamoDB stream: for each inserted event it finds the tenant's
// enabled webhooks that subscribe to its type, stores one delivery per
// webhook and enqueues one message per delivery.
//
// Delivery ids are derived from the event and webhook ids, and only the
// missing ones are written, so processing the same stream record twice
// creates no second delivery (see deliveries for why the check-then-write
// is safe).
package fanout

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/hookrelay/hookrelay/shared/schema"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

// An event's deliveries are stored in chunks of chunkSize (each one
// BatchGetItem and up to four BatchWriteItem requests), parallelChunks at a
// time; parallelSends bounds the SendMessageBatch requests of sendBatch
// messages each.
const (
	chunkSize      = 100
	parallelChunks = 8
	sendBatch      = 10
	parallelSends  = 16
)

// Handler is the fanout function.
type Handler struct {
	Store webhook.Store
	Queue webhook.Queue
	// Schedule's first entry is the wait before the first attempt.
	Schedule webhook.Schedule
	Logger   *slog.Logger
	Now      func() time.Time
}

// Handle processes one batch of stream records in order. When a record fails
// it reports that record and stops: the event source retries from it, and
// everything after it, so nothing later is skipped.
func (h *Handler) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	var resp events.DynamoDBEventResponse
	for _, rec := range ev.Records {
		if err := h.record(ctx, rec); err != nil {
			h.Logger.ErrorContext(ctx, "fanout.failed", "sequence_number", rec.Change.SequenceNumber, "error", err.Error())
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: rec.Change.SequenceNumber})
			return resp, nil
		}
	}
	return resp, nil
}

func (h *Handler) record(ctx context.Context, rec events.DynamoDBEventRecord) error {
	if rec.EventName != string(events.DynamoDBOperationTypeInsert) {
		return nil
	}
	e, err := eventFromImage(rec.Change.NewImage)
	if err != nil {
		// A record we cannot read will not become readable on retry.
		h.Logger.ErrorContext(ctx, "fanout.unreadable_record", "sequence_number", rec.Change.SequenceNumber, "error", err.Error())
		return nil
	}
	if e.Only != "" {
		return nil // a test event, delivered by the API itself
	}
	return h.Event(ctx, e)
}

// Event fans one event out: a delivery and a message for each matching
// webhook. It is safe to call again for the same event.
func (h *Handler) Event(ctx context.Context, e webhook.Event) error {
	hooks, err := h.Store.TenantWebhooks(ctx, e.TenantID)
	if err != nil {
		return fmt.Errorf("fanout: webhooks of %s: %w", e.TenantID, err)
	}
	var targets []webhook.Webhook
	for _, w := range hooks {
		if w.Subscribes(e.Type) {
			targets = append(targets, w)
		}
	}
	if len(targets) == 0 {
		return nil
	}
	sent, err := h.deliveries(ctx, e, targets)
	if err != nil {
		return err
	}
	h.Logger.InfoContext(ctx, "fanout.event", "tenant_id", e.TenantID, "event_id", e.ID, "event_type", e.Type, "deliveries", sent)
	return nil
}

// deliveries stores one delivery per webhook and sends the message of each
// delivery once its record is written: one per new delivery, and one per
// existing delivery that is still pending with no attempt (its message may
// have been lost in a crash between the write and the send; a second copy
// is harmless). The webhooks go in chunks of chunkSize, parallelChunks at a
// time; each chunk is checked with BatchGetItem and its missing deliveries
// written with BatchWriteItem (Store.CreateDeliveries), and its messages
// leave in batches of sendBatch while later chunks are still being written.
// It returns how many messages it sent.
//
// The check and the unconditional write are not atomic, and this stays safe
// because nothing else can write these deliveries meanwhile:
//   - Lambda processes a shard's records serially: one invocation per shard
//     at a time, and a retried batch starts only after the failed invocation
//     ended. The same stream record is never fanned out by two invocations
//     at once, and the check (strongly consistent) sees every record an
//     earlier run wrote.
//   - A delivery that the check finds missing has no message yet: messages
//     are sent only after their records are written. So deliver, the
//     sweeper and the API (which act on existing deliveries) cannot have
//     touched it, and the write cannot overwrite a recorded attempt.
//
// Delivery ids are derived from the event and webhook ids, and no other code
// creates deliveries of stream events (the API's test events are skipped
// above), which both arguments assume.
func (h *Handler) deliveries(ctx context.Context, e webhook.Event, targets []webhook.Webhook) (int, error) {
	now := h.Now()
	first, _ := h.Schedule.Before(1)
	var (
		mu       sync.Mutex
		firstErr error
		fail     = func(err error) {
			mu.Lock()
			if firstErr == nil {
				firstErr = err
			}
			mu.Unlock()
		}
		written = make(chan webhook.Message, sendBatch*parallelSends)
		writes  sync.WaitGroup
		sem     = make(chan struct{}, parallelChunks)
	)
	message := func(d webhook.Delivery) webhook.Message {
		return webhook.Message{DeliveryID: d.ID, TenantID: d.TenantID, EventID: d.EventID, WebhookID: d.WebhookID}
	}
	go func() {
		for lo := 0; lo < len(targets); lo += chunkSize {
			chunk := targets[lo:min(lo+chunkSize, len(targets))]
			ds := make([]webhook.Delivery, len(chunk))
			for i, w := range chunk {
				ds[i] = webhook.Delivery{
					ID: webhook.DeliveryID(e.TenantID, e.ID, w.ID), TenantID: e.TenantID,
					EventID: e.ID, EventType: e.Type, WebhookID: w.ID,
					Status: webhook.StatusPending, NextAttemptAt: now.Add(first), CreatedAt: now,
					Attempts: []webhook.Attempt{},
				}
			}
			sem <- struct{}{}
			writes.Add(1)
			go func() {
				defer func() { <-sem; writes.Done() }()
				created, existing, err := h.Store.CreateDeliveries(ctx, ds)
				if err != nil {
					fail(fmt.Errorf("fanout: deliveries of %s: %w", e.ID, err))
					return
				}
				for _, d := range created {
					written <- message(d)
				}
				for _, d := range existing {
					if d.Status == webhook.StatusPending && len(d.Attempts) == 0 {
						written <- message(d)
					}
				}
			}()
		}
		writes.Wait()
		close(written)
	}()

	var (
		sends   sync.WaitGroup
		sendSem = make(chan struct{}, parallelSends)
		sent    int
		batch   = make([]webhook.Message, 0, sendBatch)
	)
	send := func(msgs []webhook.Message) {
		sent += len(msgs)
		sendSem <- struct{}{}
		sends.Add(1)
		go func() {
			defer func() { <-sendSem; sends.Done() }()
			if err := h.Queue.Enqueue(ctx, msgs); err != nil {
				fail(fmt.Errorf("fanout: enqueue %d messages for %s: %w", len(msgs), e.ID, err))
			}
		}()
	}
	for m := range written {
		batch = append(batch, m)
		if len(batch) == sendBatch {
			send(batch)
			batch = make([]webhook.Message, 0, sendBatch)
		}
	}
	if len(batch) > 0 {
		send(batch)
	}
	sends.Wait()
	return sent, firstErr
}

// eventFromImage reads the event fields fan-out needs from a stream image.
func eventFromImage(img map[string]events.DynamoDBAttributeValue) (webhook.Event, error) {
	s := func(name string) string {
		v, ok := img[name]
		if !ok || v.DataType() != events.DataTypeString {
			return ""
		}
		return v.String()
	}
	e := webhook.Event{TenantID: s(schema.AttrTenantID), ID: s(schema.AttrID), Type: s(schema.AttrType), Only: s(schema.AttrOnly)}
	if e.TenantID == "" || e.ID == "" || e.Type == "" {
		return e, fmt.Errorf("fanout: image lacks tenant_id, id or type")
	}
	return e, nil
}
