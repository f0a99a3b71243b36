package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/hookrelay/hookrelay/infra/local"
	"github.com/hookrelay/hookrelay/shared/awscount"
	"github.com/hookrelay/hookrelay/shared/deliver"
	"github.com/hookrelay/hookrelay/shared/sqs"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

// receiver is a loopback webhook endpoint that answers 204 after delay and
// counts requests and connections.
type receiver struct {
	*httptest.Server
	requests atomic.Int64
	conns    atomic.Int64
}

func newReceiver(delay time.Duration) *receiver {
	r := &receiver{}
	r.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		_, _ = io.Copy(io.Discard, req.Body)
		if delay > 0 {
			time.Sleep(delay)
		}
		r.requests.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	r.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			r.conns.Add(1)
		}
	}
	r.Start()
	return r
}

const batchSize = 10

// rawPOST is the baseline: a plain Go HTTP client with keep-alive POSTing the
// same payload, ten at a time as a deliver batch does, n times in all.
func rawPOST(url string, body []byte, n int) (time.Duration, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = batchSize
	client := &http.Client{Transport: tr}
	defer client.CloseIdleConnections()
	var failed atomic.Int64
	start := time.Now()
	for done := 0; done < n; done += batchSize {
		var wg sync.WaitGroup
		for range min(batchSize, n-done) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				res, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					return
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}()
		}
		wg.Wait()
	}
	d := time.Since(start)
	if f := failed.Load(); f > 0 {
		return d, fmt.Errorf("raw POST: %d failed", f)
	}
	return d, nil
}

// deliveries stores n pending deliveries to one webhook, one event each, in
// store, and returns the SQS batches that refer to them.
func seedDeliveries(ctx context.Context, store webhook.Store, url string, n int) ([]events.SQSEvent, error) {
	tenant := "bench"
	w, err := webhook.NewWebhook(tenant, webhook.WebhookInput{URL: &url, EventTypes: &[]string{"*"}}, true, time.Now())
	if err != nil {
		return nil, err
	}
	if err := store.CreateWebhook(ctx, w); err != nil {
		return nil, err
	}
	msgs := make([]webhook.Message, n)
	err = parallel(n, 32, func(i int) error {
		e := sampleEvent(tenant, webhook.NewID("evt"))
		if _, _, err := store.PutEvent(ctx, e); err != nil {
			return err
		}
		d := webhook.Delivery{
			ID: webhook.DeliveryID(tenant, e.ID, w.ID), TenantID: tenant, EventID: e.ID, EventType: e.Type, WebhookID: w.ID,
			Status: webhook.StatusPending, NextAttemptAt: time.Now(), CreatedAt: time.Now(), Attempts: []webhook.Attempt{},
		}
		if _, _, err := store.CreateDelivery(ctx, d); err != nil {
			return err
		}
		msgs[i] = webhook.Message{DeliveryID: d.ID, TenantID: tenant, EventID: e.ID, WebhookID: w.ID}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var batches []events.SQSEvent
	for start := 0; start < n; start += batchSize {
		var ev events.SQSEvent
		for i := start; i < min(start+batchSize, n); i++ {
			ev.Records = append(ev.Records, events.SQSMessage{
				MessageId: "m-" + strconv.Itoa(i), ReceiptHandle: "r-" + strconv.Itoa(i), Body: sqs.Encode(msgs[i]),
			})
		}
		batches = append(batches, ev)
	}
	return batches, nil
}

// sampleData is a typical event: a registration of about 350 bytes that
// matches the catalogue's registration.created schema.
var sampleData = json.RawMessage(`{"registration_id":1042,"program_id":318,"status":"confirmed","guest":{"name":"Zoë Martin","email":"zoe@example.com"},"total":{"amount":"1250.00","currency":"EUR"},"url":"https://platform.example/api/registrations/1042","room":"Cedar 2","nights":3,"notes":"vegetarian; arrives by the 16:40 train; needs a ground-floor room","updated_at":"2026-11-22T07:30:00Z"}`)

func sampleEvent(tenant, id string) webhook.Event {
	return webhook.Event{ID: id, TenantID: tenant, Type: "registration.created", Timestamp: time.Now().UTC().Truncate(time.Second), Data: sampleData}
}

// runBatches hands the batches to the handler one after the other, as one
// Lambda instance receives them, and checks every message succeeded.
func runBatches(ctx context.Context, h *deliver.Handler, batches []events.SQSEvent) (time.Duration, []time.Duration, error) {
	per := make([]time.Duration, 0, len(batches))
	start := time.Now()
	for _, b := range batches {
		t := time.Now()
		resp, err := h.Handle(ctx, b)
		per = append(per, time.Since(t))
		if err != nil {
			return 0, nil, err
		}
		if len(resp.BatchItemFailures) > 0 {
			return 0, nil, fmt.Errorf("deliver: %d messages failed", len(resp.BatchItemFailures))
		}
	}
	return time.Since(start), per, nil
}

// deliverRun is one repetition's figures.
type deliverRun struct {
	raw, handlerMem, handlerDDB time.Duration
	batchDDB                    []time.Duration // each batch's handler duration with DynamoDB Local
	calls                       awscount.Snapshot
}

type deliverFigures struct {
	n     int
	delay time.Duration
	runs  []deliverRun
	conns int64
}

func benchDeliver(ctx context.Context, emu *local.Emulators, n, reps int, delay time.Duration) (*deliverFigures, error) {
	schedule := webhook.Schedule{0}
	rcv := newReceiver(delay)
	defer rcv.Close()
	body := func() []byte { e := sampleEvent("bench", "evt_x"); return e.Payload() }()
	fig := &deliverFigures{n: n, delay: delay}
	for rep := 0; rep < reps+1; rep++ { // the first repetition warms up
		var run deliverRun
		var err error
		if run.raw, err = rawPOST(rcv.URL, body, n); err != nil {
			return nil, err
		}

		mem := newMemStore()
		batches, err := seedDeliveries(ctx, mem, rcv.URL, n)
		if err != nil {
			return nil, err
		}
		hm := &deliver.Handler{Store: mem, Queue: nopQueue{}, Schedule: schedule, Logger: discard, Now: time.Now, Sender: sharedSender}
		if run.handlerMem, _, err = runBatches(ctx, hm, batches); err != nil {
			return nil, err
		}

		e, err := newEnv(ctx, emu, schedule)
		if err != nil {
			return nil, err
		}
		batches, err = seedDeliveries(ctx, e.store, rcv.URL, n)
		if err != nil {
			return nil, err
		}
		hd := e.deliverHandler(schedule)
		hd.Sender = sharedSender
		before := e.count.Snapshot()
		if run.handlerDDB, run.batchDDB, err = runBatches(ctx, hd, batches); err != nil {
			return nil, err
		}
		run.calls = e.count.Snapshot().Sub(before)
		if rep > 0 {
			fig.runs = append(fig.runs, run)
		}
	}
	fig.conns = rcv.conns.Load()
	return fig, nil
}

// parallel runs f(0..n-1) with at most k at once and returns the first error.
func parallel(n, k int, f func(i int) error) error {
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		sem      = make(chan struct{}, k)
	)
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := f(i); err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return firstErr
}
