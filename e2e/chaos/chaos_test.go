// Package chaos is hookrelay's crash test: events fanned out to several
// webhooks whose receivers fail at random or answer too late, while the
// deliver poller runs in a separate OS process that the test kills with
// SIGKILL mid-batch and restarts. It checks SPEC §4's promise: nothing is
// lost, and a duplicate carries the same webhook-id.
//
// `make test` runs a small size (HOOKRELAY_CHAOS_EVENTS, default 150 events ×
// 3 webhooks); `make chaos` runs 1,000 events and prints the figures.
package chaos

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/hookrelay/hookrelay/events/catalog"
	"github.com/hookrelay/hookrelay/infra/local"
	"github.com/hookrelay/hookrelay/infra/local/localtest"
	"github.com/hookrelay/hookrelay/shared/awsconf"
	"github.com/hookrelay/hookrelay/shared/sqs"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

// The chaos settings: five attempts a second apart, receivers that fail 30%
// of requests and answer another 10% after the webhook's 1 s timeout, and a
// visibility timeout short enough that a killed batch comes back in seconds.
var (
	schedule   = webhook.Schedule{0, time.Second, time.Second, time.Second, time.Second}
	policy     = webhook.HealthPolicy{BreakerThreshold: 10, BreakerCooldown: 2 * time.Second}
	visibility = 5 * time.Second
	// sweepGrace is the runtime's sweeper's and the worker's: the two must
	// agree on when a delivery's owner is presumed lost.
	sweepGrace = 20 * time.Second
)

const (
	failRate  = 0.30
	lateRate  = 0.10
	timeoutMS = 1000
	lateBy    = 1500 * time.Millisecond
	webhooks  = 3
	pollers   = 8
)

// Environment of the worker process the test starts.
const (
	envWorker   = "HOOKRELAY_CHAOS_WORKER"
	envDynamo   = "HOOKRELAY_CHAOS_DYNAMODB"
	envSQS      = "HOOKRELAY_CHAOS_SQS"
	envPrefix   = "HOOKRELAY_CHAOS_PREFIX"
	envQueue    = "HOOKRELAY_CHAOS_QUEUE"
	envDLQ      = "HOOKRELAY_CHAOS_DLQ"
	envEvents   = "HOOKRELAY_CHAOS_EVENTS"
	smallEvents = 150
)

func TestMain(m *testing.M) {
	if os.Getenv(envWorker) != "" {
		os.Exit(worker())
	}
	os.Exit(m.Run())
}

// worker is the deliver poller process: the same code as
// `hookrelay worker deliver`, until it is killed.
func worker() int {
	w := local.Worker{
		Config: local.Config{
			Prefix: os.Getenv(envPrefix), Schedule: schedule, AllowPrivate: true, Policy: policy, SweepGrace: sweepGrace,
			Pollers: pollers, Logger: slog.New(slog.NewJSONHandler(os.Stdout, nil)),
		},
		DynamoEndpoint: os.Getenv(envDynamo), SQSEndpoint: os.Getenv(envSQS),
		QueueURL: os.Getenv(envQueue), DLQURL: os.Getenv(envDLQ),
	}
	if err := w.Run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		return 1
	}
	return 0
}

// request is what a receiver saw.
type request struct {
	webhookID string // the webhook-id header: the delivery id
	eventID   string // the body's id
	receiver  int
	status    int
	late      bool // answered after the webhook's timeout
}

type receivers struct {
	mu       sync.Mutex
	requests []request
	total    atomic.Int64
	onCount  func(n int64) // called with the running total, before answering
}

func (rs *receivers) start(t *testing.T, i int) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var body struct{ ID string }
		_ = json.Unmarshal(b, &body)
		req := request{webhookID: r.Header.Get("webhook-id"), eventID: body.ID, receiver: i, status: 200}
		switch p := rand.Float64(); {
		case p < failRate:
			req.status = 500
		case p < failRate+lateRate:
			req.late = true
		}
		rs.mu.Lock()
		rs.requests = append(rs.requests, req)
		rs.mu.Unlock()
		if rs.onCount != nil {
			rs.onCount(rs.total.Add(1))
		}
		if req.late {
			time.Sleep(lateBy)
		}
		w.WriteHeader(req.status)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// workerProc runs and kills the deliver worker process.
type workerProc struct {
	t   *testing.T
	env []string
	mu  sync.Mutex
	cmd *exec.Cmd
	out localtest.SyncBuffer // both streams of every run
}

func (w *workerProc) start() {
	w.mu.Lock()
	defer w.mu.Unlock()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), w.env...)
	cmd.Stdout, cmd.Stderr = &w.out, &w.out
	if err := cmd.Start(); err != nil {
		w.t.Errorf("start the deliver worker: %v", err)
		return
	}
	w.cmd = cmd
}

// kill sends SIGKILL: no deferred function, no batch finishes.
func (w *workerProc) kill() {
	w.mu.Lock()
	cmd := w.cmd
	w.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	w.mu.Lock()
	w.cmd = nil
	w.mu.Unlock()
}

func TestChaosNothingLostUnderCrashesAndFailingReceivers(t *testing.T) {
	events := smallEvents
	if v := os.Getenv(envEvents); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q is not a positive number", envEvents, v)
		}
		events = n
	}
	logs := &localtest.SyncBuffer{}
	rt, err := localtest.StartRuntime(local.Config{
		Schedule: schedule, AllowPrivate: true, Policy: policy,
		NoDeliver: true, Visibility: visibility, SweepInterval: 2 * time.Second, SweepGrace: sweepGrace,
		RateLimit: -1, Logger: slog.New(slog.NewJSONHandler(logs, nil)),
	})
	if err != nil {
		t.Fatalf("start the local runtime: %v", err)
	}
	defer rt.Close()

	// A tenant with three webhooks on every event, each to its own receiver.
	api := client{t: t, base: rt.URL, key: rt.AdminKey}
	api.must(201, "POST", "/v1/tenants", map[string]string{"id": "chaos", "name": "Chaos"}, nil)
	var key struct{ Key string }
	api.must(201, "POST", "/v1/tenants/chaos/keys", nil, &key)
	tenant := client{t: t, base: rt.URL + "/v1/tenants/chaos", key: key.Key}
	rs := &receivers{}
	hookOf := map[int]string{}
	receiverOf := map[string]int{}
	for i := range webhooks {
		var w struct{ ID string }
		tenant.must(201, "POST", "/webhooks", map[string]any{"url": rs.start(t, i), "event_types": []string{"*"}, "timeout_ms": timeoutMS}, &w)
		hookOf[i], receiverOf[w.ID] = w.ID, i
	}

	// The deliver poller in its own process, killed with SIGKILL while
	// requests are in flight (from inside a receiver's handler) when the
	// traffic passes 15%, 40% and 65% of the deliveries, and restarted.
	proc := &workerProc{t: t, env: []string{
		envWorker + "=1", envDynamo + "=" + rt.DynamoEndpoint, envSQS + "=" + rt.SQSEndpoint,
		envPrefix + "=" + rt.Prefix, envQueue + "=" + rt.Queues.Delivery, envDLQ + "=" + rt.Queues.DeadLetter,
	}}
	proc.start()
	defer proc.kill()
	deliveries := events * webhooks
	killAt := []int64{int64(deliveries) * 15 / 100, int64(deliveries) * 40 / 100, int64(deliveries) * 65 / 100}
	var next, kills atomic.Int32
	killed := make(chan struct{}, len(killAt))
	rs.onCount = func(n int64) {
		i := next.Load()
		if int(i) < len(killAt) && n >= killAt[i] && next.CompareAndSwap(i, i+1) {
			go func() {
				proc.kill()
				kills.Add(1)
				proc.start()
				killed <- struct{}{}
			}()
		}
	}

	// Publish the events, eight at a time, with the catalogue's example data.
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	typ, ok := cat.Lookup("registration.created")
	if !ok {
		t.Fatal("the catalogue lacks registration.created")
	}
	start := time.Now()
	ids := make([]string, events)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range events {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			id := fmt.Sprintf("evt_chaos_%05d", i)
			tenant.must(202, "POST", "/events", map[string]any{"id": id, "type": typ.Type, "data": typ.Example}, nil)
			ids[i] = id
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	// Wait until every delivery is final.
	final := map[string]webhook.Delivery{}
	deadline := time.Now().Add(time.Duration(events) * 400 * time.Millisecond).Add(2 * time.Minute)
	for {
		pending := 0
		for _, id := range ids {
			ds, err := rt.Store.EventDeliveries(context.Background(), "chaos", id)
			if err != nil {
				t.Fatal(err)
			}
			if len(ds) < webhooks {
				pending += webhooks - len(ds)
			}
			for _, d := range ds {
				if d.Status == webhook.StatusPending {
					pending++
					continue
				}
				final[d.ID] = d
			}
		}
		if pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("%d of %d deliveries still pending after %s", pending, deliveries, time.Since(start).Round(time.Second))
			break
		}
		time.Sleep(2 * time.Second)
	}
	elapsed := time.Since(start)
	proc.kill()
	for range len(killAt) {
		select {
		case <-killed:
		case <-time.After(10 * time.Second):
		}
	}

	// The dead-letter queue's deliveries.
	dead := map[string]bool{}
	sq := awsconf.SQS(awsconf.Local(), rt.SQSEndpoint)
	for {
		res, err := sq.ReceiveMessage(context.Background(), &awssqs.ReceiveMessageInput{
			QueueUrl: aws.String(rt.Queues.DeadLetter), MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 600,
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Messages) == 0 {
			break
		}
		for _, m := range res.Messages {
			if msg, err := sqs.Decode(aws.ToString(m.Body)); err == nil {
				dead[msg.DeliveryID] = true
			}
		}
	}

	// What the receivers saw, by webhook-id.
	rs.mu.Lock()
	seen := map[string][]request{}
	for _, r := range rs.requests {
		seen[r.webhookID] = append(seen[r.webhookID], r)
	}
	total := len(rs.requests)
	rs.mu.Unlock()

	var succeeded, failed, losses, duplicates int
	for _, id := range ids {
		for i := range webhooks {
			did := webhook.DeliveryID("chaos", id, hookOf[i])
			d, ok := final[did]
			reqs := seen[did]
			for _, r := range reqs {
				// A duplicate carries the same webhook-id: every request with
				// this id is this (event, webhook) pair's.
				if r.eventID != id || r.receiver != i {
					t.Errorf("webhook-id %s reached receiver %d with event %s; it is event %s to receiver %d", did, r.receiver, r.eventID, id, i)
				}
			}
			switch {
			case !ok:
				losses++
				t.Errorf("delivery %s (event %s, webhook %d) is lost: not final", did, id, i)
			case d.Status == webhook.StatusSucceeded:
				succeeded++
				last := d.Attempts[len(d.Attempts)-1]
				if !answered2xx(reqs) || last.StatusCode < 200 || last.StatusCode > 299 {
					losses++
					t.Errorf("delivery %s is succeeded (last attempt %d) but its receiver never answered it 2xx in time: %+v", did, last.StatusCode, reqs)
				}
			case d.Status == webhook.StatusFailed:
				failed++
				if !dead[did] {
					losses++
					t.Errorf("delivery %s is failed but not in the dead-letter queue", did)
				}
				if len(d.Attempts) != schedule.Attempts() {
					t.Errorf("failed delivery %s has %d attempts, want %d", did, len(d.Attempts), schedule.Attempts())
				}
			}
			if ok && len(d.Attempts) > len(reqs) {
				t.Errorf("delivery %s records %d attempts but its receiver saw %d requests", did, len(d.Attempts), len(reqs))
			}
			duplicates += afterSuccess(reqs)
		}
	}
	for id := range seen {
		if _, known := final[id]; !known && !strings.HasPrefix(id, "msg_") {
			t.Errorf("a receiver saw an unknown webhook-id %q", id)
		}
	}
	if kills.Load() < 2 {
		t.Errorf("the worker was killed %d times mid-run, want at least 2", kills.Load())
	}
	report := fmt.Sprintf("chaos: events=%d webhooks=%d deliveries=%d succeeded=%d failed=%d requests=%d kills=%d duplicates=%d duplicate_rate=%.2f%% losses=%d elapsed=%s",
		events, webhooks, deliveries, succeeded, failed, total, kills.Load(), duplicates, 100*float64(duplicates)/float64(deliveries), losses, elapsed.Round(time.Second))
	t.Log(report)
	fmt.Println(report)
	if t.Failed() {
		t.Logf("worker output (tail):\n%s", proc.out.Tail(4000))
		t.Logf("runtime log (tail):\n%s", logs.Tail(4000))
	}
}

// answered2xx reports whether a receiver answered one of reqs 2xx in time.
func answered2xx(reqs []request) bool {
	for _, r := range reqs {
		if r.status >= 200 && r.status < 300 && !r.late {
			return true
		}
	}
	return false
}

// afterSuccess counts the requests that came after the first one answered
// 2xx in time: the duplicates a receiver must tolerate.
func afterSuccess(reqs []request) int {
	for i, r := range reqs {
		if r.status >= 200 && r.status < 300 && !r.late {
			return len(reqs) - i - 1
		}
	}
	return 0
}

// client calls the API.
type client struct {
	t    *testing.T
	base string
	key  string
}

func (c client) must(want int, method, path string, body, out any) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Errorf("%s %s: %v", method, path, err)
		return
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		c.t.Errorf("%s %s = %d %s, want %d", method, path, res.StatusCode, raw, want)
		return
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Errorf("%s %s: %v", method, path, err)
		}
	}
}
