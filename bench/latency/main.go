// Command latency measures hookrelay's publish→receipt latency through the
// local runtime: it starts the runtime in-process (DynamoDB Local, fauxqs,
// API, pollers), subscribes loopback receivers, publishes events one at a
// time and reports the median and 99th percentile of the time from sending
// the publish request to the receiver getting the delivery.
//
//	go run ./bench/latency -events 100 -webhooks 1
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/hookrelay/hookrelay/infra/local"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

func main() {
	events := flag.Int("events", 100, "events to publish, one at a time")
	hooks := flag.Int("webhooks", 1, "matching webhooks per event")
	flag.Parse()
	if err := run(*events, *hooks); err != nil {
		log.Fatal(err)
	}
}

func run(events, hooks int) error {
	wd, _ := os.Getwd()
	root, err := local.FindRoot(wd)
	if err != nil {
		return err
	}
	ctx := context.Background()
	rt, err := local.Start(ctx, local.Config{
		APIAddr: "127.0.0.1:0", AllowPrivate: true, Root: root,
		Schedule: webhook.DefaultSchedule, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)),
	})
	if err != nil {
		return err
	}
	defer rt.Close()

	var mu sync.Mutex
	arrived := map[string][]time.Time{}
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		var body struct{ ID string }
		_ = json.NewDecoder(r.Body).Decode(&body)
		mu.Lock()
		arrived[body.ID] = append(arrived[body.ID], at)
		mu.Unlock()
	}))
	defer recv.Close()

	c := &client{base: rt.URL, key: rt.AdminKey}
	if err := c.do("POST", "/v1/tenants", map[string]string{"id": "bench", "name": "bench"}, nil); err != nil {
		return err
	}
	var key struct{ Key string }
	if err := c.do("POST", "/v1/tenants/bench/keys", nil, &key); err != nil {
		return err
	}
	c.key = key.Key
	for i := 0; i < hooks; i++ {
		if err := c.do("POST", "/v1/tenants/bench/webhooks", map[string]any{"url": recv.URL, "event_types": []string{"bench.*"}}, nil); err != nil {
			return err
		}
	}
	// Warm up connections and the JIT of DynamoDB Local.
	for i := 0; i < 10; i++ {
		if _, err := publishAndWait(c, fmt.Sprintf("warm-%d", i), hooks, &mu, arrived); err != nil {
			return err
		}
	}
	var lat []time.Duration
	for i := 0; i < events; i++ {
		d, err := publishAndWait(c, fmt.Sprintf("evt-%d", i), hooks, &mu, arrived)
		if err != nil {
			return err
		}
		lat = append(lat, d)
	}
	slices.Sort(lat)
	fmt.Printf("publish→receipt, %d events one at a time, %d webhook(s) each: p50 %s, p90 %s, p99 %s, max %s\n",
		events, hooks, pct(lat, 50), pct(lat, 90), pct(lat, 99), lat[len(lat)-1])
	return nil
}

// publishAndWait publishes one event and waits until every webhook got it;
// it returns the time until the last one arrived.
func publishAndWait(c *client, id string, hooks int, mu *sync.Mutex, arrived map[string][]time.Time) (time.Duration, error) {
	start := time.Now()
	if err := c.do("POST", "/v1/tenants/bench/events", map[string]any{"id": id, "type": "bench.ping", "data": map[string]int{"n": 1}}, nil); err != nil {
		return 0, err
	}
	deadline := start.Add(30 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		got := arrived[id]
		mu.Unlock()
		if len(got) >= hooks {
			return slices.MaxFunc(got, time.Time.Compare).Sub(start), nil
		}
		time.Sleep(200 * time.Microsecond)
	}
	return 0, fmt.Errorf("event %s did not arrive within 30s", id)
}

func pct(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p + 99) / 100
	return sorted[max(0, min(len(sorted)-1, i-1))].Round(100 * time.Microsecond)
}

type client struct{ base, key string }

func (c *client) do(method, path string, body, out any) error {
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
	res, err := http.DefaultClient.Do(req)
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
