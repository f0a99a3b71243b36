// Package fanout turns new events into deliveries. It handles the events
// table's DynamoDB stream: for each inserted event it finds the tenant's
// enabled webhooks that subscribe to its type, stores one delivery per
// webhook and enqueues one message per delivery.
//
// Delivery ids are derived from the event and webhook ids and written with a
// condition, so processing the same stream record twice creates no second
// delivery.
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

// writers bounds the conditional writes in flight for one event;
// parallelSends the SendMessageBatch requests of sendBatch messages each.
const (
	writers       = 32
	sendBatch     = 10
	parallelSends = 16
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

// deliveries writes one delivery per webhook and sends the message of each
// delivery once its record is written: one per new delivery, and one per
// existing delivery that has not been attempted yet (its message may have
// been lost in a crash between the write and the send; a second copy is
// harmless). Writes and sends overlap: messages leave in batches of
// sendBatch as soon as that many records are written, so the sends of a
// large fan-out add little to the time of its writes. It returns how many
// messages it sent.
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
		sem     = make(chan struct{}, writers)
	)
	go func() {
		for _, w := range targets {
			d := webhook.Delivery{
				ID: webhook.DeliveryID(e.TenantID, e.ID, w.ID), TenantID: e.TenantID,
				EventID: e.ID, EventType: e.Type, WebhookID: w.ID,
				Status: webhook.StatusPending, NextAttemptAt: now.Add(first), CreatedAt: now,
				Attempts: []webhook.Attempt{},
			}
			sem <- struct{}{}
			writes.Add(1)
			go func() {
				defer func() { <-sem; writes.Done() }()
				stored, created, err := h.Store.CreateDelivery(ctx, d)
				switch {
				case err != nil:
					fail(fmt.Errorf("fanout: delivery %s: %w", d.ID, err))
				case created || (stored.Status == webhook.StatusPending && len(stored.Attempts) == 0):
					written <- webhook.Message{DeliveryID: d.ID, TenantID: d.TenantID, EventID: d.EventID, WebhookID: d.WebhookID}
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
