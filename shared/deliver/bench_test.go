package deliver_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/hookrelay/hookrelay/shared/deliver"
	"github.com/hookrelay/hookrelay/shared/sender"
	"github.com/hookrelay/hookrelay/shared/sqs"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

// memStore holds what the handler reads and writes, so that the benchmark
// measures the handler itself; every other Store method panics.
type memStore struct {
	webhook.Store
	mu         sync.Mutex
	event      webhook.Event
	hook       webhook.Webhook
	deliveries map[string]webhook.Delivery
}

func (m *memStore) GetEvent(context.Context, string, string) (webhook.Event, error) {
	return m.event, nil
}

func (m *memStore) GetWebhook(context.Context, string, string) (webhook.Webhook, error) {
	return m.hook, nil
}

func (m *memStore) EventAndWebhook(context.Context, string, string, string) (webhook.Event, webhook.Webhook, error) {
	return m.event, m.hook, nil
}

func (m *memStore) AttemptReads(_ context.Context, msgs []webhook.Message) (webhook.AttemptData, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a := webhook.AttemptData{Deliveries: map[webhook.Ref]webhook.Delivery{}, Events: map[webhook.Ref]webhook.Event{}, Webhooks: map[webhook.Ref]webhook.Webhook{}}
	for _, msg := range msgs {
		a.Deliveries[webhook.Ref{TenantID: msg.TenantID, ID: msg.DeliveryID}] = m.deliveries[msg.DeliveryID]
		a.Events[webhook.Ref{TenantID: msg.TenantID, ID: msg.EventID}] = m.event
		a.Webhooks[webhook.Ref{TenantID: msg.TenantID, ID: msg.WebhookID}] = m.hook
	}
	return a, nil
}

func (m *memStore) GetDelivery(_ context.Context, _, id string) (webhook.Delivery, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.deliveries[id], nil
}

func (m *memStore) RecordAttempt(_ context.Context, _, id string, u webhook.AttemptUpdate) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	d := m.deliveries[id]
	d.Status = u.Status
	m.deliveries[id] = d
	return nil
}

// BenchmarkHandleBatch is one deliver invocation: a batch of ten messages
// POSTed to a keep-alive loopback receiver. allocs/delivery is what the
// handler allocates per message, the HTTP client included.
func BenchmarkHandleBatch(b *testing.B) {
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer rcv.Close()
	url := rcv.URL
	hook, err := webhook.NewWebhook("acme", webhook.WebhookInput{URL: &url, EventTypes: &[]string{"*"}}, true, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	store := &memStore{
		event: webhook.Event{ID: "evt_1", TenantID: "acme", Type: "registration.created", Timestamp: time.Now(), Data: json.RawMessage(`{"registration_id":42,"guest":"Zoë","program":"Silent retreat"}`)},
		hook:  hook, deliveries: map[string]webhook.Delivery{},
	}
	h := &deliver.Handler{
		Store: store, Sender: sender.New(sender.Options{AllowPrivate: true}), Schedule: webhook.Schedule{0},
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)), Now: time.Now,
	}
	batch := func(n int) events.SQSEvent {
		var ev events.SQSEvent
		for i := range 10 {
			id := "msg_" + strconv.Itoa(n) + "_" + strconv.Itoa(i)
			store.deliveries[id] = webhook.Delivery{ID: id, TenantID: "acme", EventID: "evt_1", WebhookID: hook.ID, Status: webhook.StatusPending, Attempts: []webhook.Attempt{}}
			ev.Records = append(ev.Records, events.SQSMessage{MessageId: id, Body: sqs.Encode(webhook.Message{DeliveryID: id, TenantID: "acme", EventID: "evt_1", WebhookID: hook.ID})})
		}
		return ev
	}
	ctx := context.Background()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		b.StopTimer()
		ev := batch(n)
		n++
		b.StartTimer()
		resp, err := h.Handle(ctx, ev)
		if err != nil || len(resp.BatchItemFailures) > 0 {
			b.Fatalf("%v %v", err, resp.BatchItemFailures)
		}
	}
}
