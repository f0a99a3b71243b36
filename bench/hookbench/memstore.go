package main

import (
	"context"
	"sync"
	"time"

	"github.com/hookrelay/hookrelay/shared/sender"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

// sharedSender is the deliver function's sender, one per process as in
// Lambda: its connections stay open from one batch to the next.
var sharedSender = sender.New(sender.Options{AllowPrivate: true})

// memStore keeps what the deliver handler reads and writes in memory, so
// that the handler's own cost (decode, sign, POST, log) can be measured
// without DynamoDB. Only those methods are implemented.
type memStore struct {
	webhook.Store // nil: any other method panics
	mu            sync.Mutex
	events        map[string]webhook.Event
	hooks         map[string]webhook.Webhook
	deliveries    map[string]webhook.Delivery
}

func newMemStore() *memStore {
	return &memStore{events: map[string]webhook.Event{}, hooks: map[string]webhook.Webhook{}, deliveries: map[string]webhook.Delivery{}}
}

func notFound() error { return webhook.Errorf(webhook.ENotFound, "not found") }

func (m *memStore) CreateWebhook(_ context.Context, w webhook.Webhook) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.hooks[w.TenantID+"/"+w.ID] = w
	return nil
}

func (m *memStore) GetWebhook(_ context.Context, t, id string) (webhook.Webhook, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	w, ok := m.hooks[t+"/"+id]
	if !ok {
		return w, notFound()
	}
	return w, nil
}

func (m *memStore) PutEvent(_ context.Context, e webhook.Event) (webhook.Event, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.events[e.TenantID+"/"+e.ID] = e
	return e, true, nil
}

func (m *memStore) GetEvent(_ context.Context, t, id string) (webhook.Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.events[t+"/"+id]
	if !ok {
		return e, notFound()
	}
	return e, nil
}

func (m *memStore) CreateDelivery(_ context.Context, d webhook.Delivery) (webhook.Delivery, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.deliveries[d.TenantID+"/"+d.ID] = d
	return d, true, nil
}

func (m *memStore) GetDelivery(_ context.Context, t, id string) (webhook.Delivery, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.deliveries[t+"/"+id]
	if !ok {
		return d, notFound()
	}
	return d, nil
}

func (m *memStore) AttemptReads(_ context.Context, msgs []webhook.Message) (webhook.AttemptData, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a := webhook.AttemptData{Deliveries: map[webhook.Ref]webhook.Delivery{}, Events: map[webhook.Ref]webhook.Event{}, Webhooks: map[webhook.Ref]webhook.Webhook{}}
	for _, msg := range msgs {
		if d, ok := m.deliveries[msg.TenantID+"/"+msg.DeliveryID]; ok {
			a.Deliveries[webhook.Ref{TenantID: msg.TenantID, ID: msg.DeliveryID}] = d
		}
		if e, ok := m.events[msg.TenantID+"/"+msg.EventID]; ok {
			a.Events[webhook.Ref{TenantID: msg.TenantID, ID: msg.EventID}] = e
		}
		if w, ok := m.hooks[msg.TenantID+"/"+msg.WebhookID]; ok {
			a.Webhooks[webhook.Ref{TenantID: msg.TenantID, ID: msg.WebhookID}] = w
		}
	}
	return a, nil
}

func (m *memStore) RecordAttempt(_ context.Context, t, id string, u webhook.AttemptUpdate) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.deliveries[t+"/"+id]
	if !ok {
		return notFound()
	}
	if len(d.Attempts) != u.Attempt.Attempt-1 {
		return webhook.Errorf(webhook.EConflict, "attempt out of order")
	}
	d.Attempts = append(d.Attempts, u.Attempt)
	d.Status, d.NextAttemptAt, d.Message = u.Status, u.NextAttemptAt, u.Message
	m.deliveries[t+"/"+id] = d
	return nil
}

// nopQueue is a queue that is never used on the success path.
type nopQueue struct{ webhook.Queue }

func (nopQueue) Delay(context.Context, string, time.Duration) error { return nil }

func (m *memStore) EventAndWebhook(ctx context.Context, t, eventID, webhookID string) (webhook.Event, webhook.Webhook, error) {
	e, err := m.GetEvent(ctx, t, eventID)
	if err != nil {
		return e, webhook.Webhook{}, err
	}
	w, err := m.GetWebhook(ctx, t, webhookID)
	return e, w, err
}
