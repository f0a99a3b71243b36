package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookrelay/hookrelay/infra/local"
	"github.com/hookrelay/hookrelay/shared/awscount"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

type e2eFigures struct {
	hooks      int
	latency    []time.Duration // publish → last receipt, one event at a time
	events     int             // published in the sustained run
	sustained  time.Duration   // first publish → last receipt
	perSecond  float64         // deliveries per second, sustained
	calls      awscount.Snapshot
	deliveries int
	arrived    int    // of deliveries, within the time limit
	errors     int    // handler log lines at level ERROR during the run
	firstError string // the first of them
	// deliver and fanout invocations during the sustained run
	delCount, delRecords, fanCount, fanRecords int
	delTime, fanTime                           time.Duration
}

// benchE2E runs the local runtime, subscribes hooks receivers' worth of
// webhooks (one loopback receiver), measures publish→receipt latency one
// event at a time, then publishes events from eight senders at once until
// total deliveries and measures how fast they all arrive.
func benchE2E(ctx context.Context, emu *local.Emulators, hooks, latencyEvents, total int) (*e2eFigures, error) {
	schedule := webhook.DefaultSchedule
	e, err := newEnv(ctx, emu, schedule)
	if err != nil {
		return nil, err
	}
	rt, err := e.startRuntime(ctx, schedule, pollers)
	if err != nil {
		return nil, err
	}
	defer rt.close()

	var mu sync.Mutex
	arrived := map[string][]time.Time{}
	var received atomic.Int64
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		var body struct{ ID string }
		_ = json.NewDecoder(r.Body).Decode(&body)
		mu.Lock()
		arrived[body.ID] = append(arrived[body.ID], at)
		mu.Unlock()
		received.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer recv.Close()

	c := &apiClient{base: rt.url, key: rt.adminKey, http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}}
	if err := c.do("POST", "/v1/tenants", map[string]string{"id": "bench", "name": "bench"}, nil); err != nil {
		return nil, err
	}
	var key struct{ Key string }
	if err := c.do("POST", "/v1/tenants/bench/keys", nil, &key); err != nil {
		return nil, err
	}
	c.key = key.Key
	for range hooks {
		if err := c.do("POST", "/v1/tenants/bench/webhooks", map[string]any{"url": recv.URL, "event_types": []string{"registration.*"}}, nil); err != nil {
			return nil, err
		}
	}
	wait := func(id string, start time.Time) (time.Duration, error) {
		deadline := start.Add(60 * time.Second)
		for time.Now().Before(deadline) {
			mu.Lock()
			got := arrived[id]
			mu.Unlock()
			if len(got) >= hooks {
				return slices.MaxFunc(got, time.Time.Compare).Sub(start), nil
			}
			time.Sleep(200 * time.Microsecond)
		}
		return 0, fmt.Errorf("event %s: not every delivery arrived within 60s", id)
	}
	publish := func(id string) error {
		return c.do("POST", "/v1/tenants/bench/events", map[string]any{"id": id, "type": "registration.created", "data": sampleData}, nil)
	}
	fig := &e2eFigures{hooks: hooks}
	for i := range 10 + latencyEvents { // ten to warm up
		id := fmt.Sprintf("lat-%d", i)
		start := time.Now()
		if err := publish(id); err != nil {
			return nil, err
		}
		d, err := wait(id, start)
		if err != nil {
			return nil, err
		}
		if i >= 10 {
			fig.latency = append(fig.latency, d)
		}
	}

	// Sustained: 8 senders publish total/hooks events as fast as the API
	// takes them.
	fig.events = max(1, total/hooks)
	fig.deliveries = fig.events * hooks
	base := received.Load()
	before := e.count.Snapshot()
	dc0, dr0, dt0 := rt.deliver.snapshot()
	fc0, fr0, ft0 := rt.fanout.snapshot()
	start := time.Now()
	err = parallel(fig.events, 8, func(i int) error { return publish(fmt.Sprintf("sus-%d", i)) })
	if err != nil {
		return nil, err
	}
	// A message whose handling failed comes back only after the queue's
	// visibility timeout (6 minutes): the run ends after a minute and
	// reports what arrived.
	deadline := time.Now().Add(time.Minute)
	for received.Load()-base < int64(fig.deliveries) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	fig.arrived = int(received.Load() - base)
	fig.sustained = time.Since(start)
	fig.perSecond = float64(min(fig.arrived, fig.deliveries)) / fig.sustained.Seconds()
	fig.errors, fig.firstError = handlerErrors.take()
	// Let the pollers delete the last batches before counting.
	time.Sleep(300 * time.Millisecond)
	fig.calls = e.count.Snapshot().Sub(before)
	dc, dr, dt := rt.deliver.snapshot()
	fc, fr, ft := rt.fanout.snapshot()
	fig.delCount, fig.delRecords, fig.delTime = dc-dc0, dr-dr0, dt-dt0
	fig.fanCount, fig.fanRecords, fig.fanTime = fc-fc0, fr-fr0, ft-ft0
	return fig, nil
}

type apiClient struct {
	base, key string
	http      *http.Client
}

func (c *apiClient) do(method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	req.Header.Set("Authorization", "Bearer "+c.key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}
