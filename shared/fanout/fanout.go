// Package fanout turns new events into deliveries. It handles the events
// table's DynamoDB stream: for each inserted event it finds the tenant's
// enabled webhooks that subscribe to its type, stores one delivery per
// webhook and enqueues one message per delivery.
//
// Delivery ids are derived from the event and webhook ids, and only the
// missing ones are written, so processing the same stream record twice
// creates no second delivery (see fan for why the check-then-write is
// safe). A stream batch is fanned out together: each tenant's webhooks are
// read once, and the deliveries and messages of many events go in the same
// batch requests (see Handle).
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

// A stream batch is fanned out in chunks of consecutive records holding
// about chunkDeliveries deliveries (at least one record each): each chunk's
// deliveries are created with one Store.CreateDeliveries call (which splits
// them into BatchGetItem and BatchWriteItem requests and runs those in
// parallel) and its messages sent with one Queue.Enqueue call (full
// SendMessageBatch requests of ten). parallelTenants bounds the webhook
// queries in flight.
const (
	chunkDeliveries = 1000
	parallelTenants = 8
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

// pending is an inserted event of the batch and the webhooks it goes to.
type pending struct {
	seq     string // the stream record's sequence number
	event   webhook.Event
	targets []webhook.Webhook
}

// Handle fans a batch of stream records out together: it reads each tenant's
// webhooks once, then goes through the inserted events in stream order in
// chunks (see chunkDeliveries), creating each chunk's deliveries and then
// sending its messages. When a chunk fails it reports the chunk's first
// record and stops.
//
// Why reporting that record is safe: the event source retries the batch from
// the reported record onward, so every record before it must be done. The
// chunks before the failed one have all their deliveries written and all
// their messages sent, and records that are not inserted events (MODIFY,
// REMOVE, test events, unreadable images) need nothing. Records of the
// failed chunk and after it may be partly done: some deliveries written,
// some messages sent. Fanning them out again is idempotent: delivery ids
// are derived from the event and webhook ids, existing deliveries are not
// written again (see fan), and a message is sent again only for a
// delivery still pending with no attempt, which deliver tolerates as a
// duplicate (RecordAttempt accepts one attempt per number; the receiver
// sees the same webhook-id). The check-then-write stays safe on the retry
// because a delivery the retry finds missing had no message sent: a chunk's
// messages are sent only after all its deliveries were written.
func (h *Handler) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	var resp events.DynamoDBEventResponse
	var evs []pending
	for _, rec := range ev.Records {
		if e, ok := h.inserted(ctx, rec); ok {
			evs = append(evs, pending{seq: rec.Change.SequenceNumber, event: e})
		}
	}
	if len(evs) == 0 {
		return resp, nil
	}
	hooks, errs := h.tenantWebhooks(ctx, evs)
	failed := func(seq string, err error) (events.DynamoDBEventResponse, error) {
		h.Logger.ErrorContext(ctx, "fanout.failed", "sequence_number", seq, "error", err.Error())
		resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: seq})
		return resp, nil
	}
	var (
		chunk []pending
		n     int
	)
	flush := func() error {
		err := h.fan(ctx, chunk)
		chunk, n = chunk[:0], 0
		return err
	}
	for _, p := range evs {
		if err := errs[p.event.TenantID]; err != nil {
			// Everything before this record must be done before it is
			// reported.
			if len(chunk) > 0 {
				first := chunk[0].seq
				if err := flush(); err != nil {
					return failed(first, err)
				}
			}
			return failed(p.seq, err)
		}
		p.targets = matching(hooks[p.event.TenantID], p.event.Type)
		if len(chunk) > 0 && n+len(p.targets) > chunkDeliveries {
			first := chunk[0].seq
			if err := flush(); err != nil {
				return failed(first, err)
			}
		}
		chunk = append(chunk, p)
		n += len(p.targets)
	}
	if len(chunk) > 0 {
		first := chunk[0].seq
		if err := flush(); err != nil {
			return failed(first, err)
		}
	}
	return resp, nil
}

// inserted is the event a record inserted, ok=false for records fan-out
// skips: other operations, test events and unreadable images.
func (h *Handler) inserted(ctx context.Context, rec events.DynamoDBEventRecord) (webhook.Event, bool) {
	if rec.EventName != string(events.DynamoDBOperationTypeInsert) {
		return webhook.Event{}, false
	}
	e, err := eventFromImage(rec.Change.NewImage)
	if err != nil {
		// A record we cannot read will not become readable on retry.
		h.Logger.ErrorContext(ctx, "fanout.unreadable_record", "sequence_number", rec.Change.SequenceNumber, "error", err.Error())
		return webhook.Event{}, false
	}
	if e.Only != "" {
		return webhook.Event{}, false // a test event, delivered by the API itself
	}
	return e, true
}

// tenantWebhooks reads the webhooks of each tenant of evs once,
// parallelTenants queries at a time. A tenant whose query failed is in errs
// instead.
func (h *Handler) tenantWebhooks(ctx context.Context, evs []pending) (hooks map[string][]webhook.Webhook, errs map[string]error) {
	hooks, errs = map[string][]webhook.Webhook{}, map[string]error{}
	var (
		mu  sync.Mutex
		wg  sync.WaitGroup
		sem = make(chan struct{}, parallelTenants)
	)
	seen := map[string]bool{}
	for _, p := range evs {
		tenant := p.event.TenantID
		if seen[tenant] {
			continue
		}
		seen[tenant] = true
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			ws, err := h.Store.TenantWebhooks(ctx, tenant)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs[tenant] = fmt.Errorf("fanout: webhooks of %s: %w", tenant, err)
				return
			}
			hooks[tenant] = ws
		}()
	}
	wg.Wait()
	return hooks, errs
}

// matching are the webhooks of hooks that take events of type typ.
func matching(hooks []webhook.Webhook, typ string) []webhook.Webhook {
	var out []webhook.Webhook
	for _, w := range hooks {
		if w.Subscribes(typ) {
			out = append(out, w)
		}
	}
	return out
}

// Event fans one event out: a delivery and a message for each matching
// webhook. It is safe to call again for the same event.
func (h *Handler) Event(ctx context.Context, e webhook.Event) error {
	hooks, err := h.Store.TenantWebhooks(ctx, e.TenantID)
	if err != nil {
		return fmt.Errorf("fanout: webhooks of %s: %w", e.TenantID, err)
	}
	return h.fan(ctx, []pending{{event: e, targets: matching(hooks, e.Type)}})
}

// fan stores one delivery per event and target webhook, all with one
// Store.CreateDeliveries call, and then sends the messages of the
// deliveries with one Queue.Enqueue call: one per new delivery, and one per
// existing delivery that is still pending with no attempt (its message may
// have been lost in a crash between the write and the send; a second copy
// is harmless). An event that appears twice is fanned out once. It logs
// fanout.event for each event with deliveries once all messages are sent.
//
// The check and the unconditional write are not atomic, and this stays safe
// because nothing else can write these deliveries meanwhile:
//   - Lambda processes a shard's records serially: one invocation per shard
//     at a time, and a retried batch starts only after the failed invocation
//     ended. The same stream record is never fanned out by two invocations
//     at once, and the check (strongly consistent) sees every record an
//     earlier run wrote.
//   - A delivery that the check finds missing has no message yet: messages
//     are sent only after every delivery of the call is written. So
//     deliver, the sweeper and the API (which act on existing deliveries)
//     cannot have touched it, and the write cannot overwrite a recorded
//     attempt.
//
// Delivery ids are derived from the event and webhook ids, and no other code
// creates deliveries of stream events (the API's test events are skipped
// above), which both arguments assume.
func (h *Handler) fan(ctx context.Context, evs []pending) error {
	now := h.Now()
	first, _ := h.Schedule.Before(1)
	var (
		ds   []webhook.Delivery
		seen = map[string]bool{} // events, by tenant and id
	)
	for _, p := range evs {
		e := p.event
		key := e.TenantID + "\x00" + e.ID
		if seen[key] || len(p.targets) == 0 {
			continue
		}
		seen[key] = true
		for _, w := range p.targets {
			ds = append(ds, webhook.Delivery{
				ID: webhook.DeliveryID(e.TenantID, e.ID, w.ID), TenantID: e.TenantID,
				EventID: e.ID, EventType: e.Type, WebhookID: w.ID,
				Status: webhook.StatusPending, NextAttemptAt: now.Add(first), CreatedAt: now,
				Attempts: []webhook.Attempt{},
			})
		}
	}
	if len(ds) == 0 {
		return nil
	}
	created, existing, err := h.Store.CreateDeliveries(ctx, ds)
	if err != nil {
		return fmt.Errorf("fanout: deliveries of %d events: %w", len(seen), err)
	}
	msgs := make([]webhook.Message, 0, len(ds))
	sent := map[string]int{} // messages by event, keyed as seen
	message := func(d webhook.Delivery) {
		msgs = append(msgs, webhook.Message{DeliveryID: d.ID, TenantID: d.TenantID, EventID: d.EventID, WebhookID: d.WebhookID})
		sent[d.TenantID+"\x00"+d.EventID]++
	}
	for _, d := range created {
		message(d)
	}
	for _, d := range existing {
		if d.Status == webhook.StatusPending && len(d.Attempts) == 0 {
			message(d)
		}
	}
	if err := h.Queue.Enqueue(ctx, msgs); err != nil {
		return fmt.Errorf("fanout: enqueue %d messages for %d events: %w", len(msgs), len(seen), err)
	}
	logged := map[string]bool{}
	for _, p := range evs {
		e := p.event
		key := e.TenantID + "\x00" + e.ID
		if !seen[key] || logged[key] {
			continue
		}
		logged[key] = true
		h.Logger.InfoContext(ctx, "fanout.event", "tenant_id", e.TenantID, "event_id", e.ID, "event_type", e.Type, "deliveries", sent[key])
	}
	return nil
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
