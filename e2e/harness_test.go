package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/hookrelay/hookrelay/infra/local"
	"github.com/hookrelay/hookrelay/infra/local/localtest"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

// schedule is short so retries and dead-lettering happen within a test:
// three attempts, one second apart.
var schedule = webhook.Schedule{0, time.Second, time.Second}

var (
	rt      *local.Runtime
	logs    = &localtest.SyncBuffer{}
	startMu sync.Mutex
)

func TestMain(m *testing.M) {
	code := m.Run()
	if code != 0 {
		fmt.Fprintf(os.Stderr, "--- last runtime log lines:\n%s\n", logs.Tail(8000))
	}
	if rt != nil {
		rt.Close()
	}
	os.Exit(code)
}

// runtime starts the local runtime once for the whole package, as `make dev`
// does but on a free port and with the short schedule.
func runtime(t *testing.T) *local.Runtime {
	t.Helper()
	startMu.Lock()
	defer startMu.Unlock()
	if rt != nil {
		return rt
	}
	var err error
	rt, err = localtest.StartRuntime(local.Config{
		Schedule:     schedule,
		AllowPrivate: true,
		Logger:       slog.New(slog.NewJSONHandler(logs, nil)),
	})
	if err != nil {
		t.Fatalf("start the local runtime: %v", err)
	}
	return rt
}

// client calls the API like curl does.
type client struct {
	t    *testing.T
	base string
	key  string
}

// call sends a JSON request and decodes the JSON answer into out (if not
// nil); it returns the status.
func (c client) call(method, path string, body any, out any) int {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: answer %q is not JSON: %v", method, path, raw, err)
		}
	}
	return res.StatusCode
}

// must is call that fails the test unless the status is want.
func (c client) must(want int, method, path string, body any, out any) {
	c.t.Helper()
	var raw json.RawMessage
	got := c.call(method, path, body, &raw)
	if got != want {
		c.t.Fatalf("%s %s = %d %s, want %d", method, path, got, raw, want)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

// tenant creates a tenant with a unique id and returns a client with its key.
func tenant(t *testing.T) client {
	t.Helper()
	r := runtime(t)
	admin := client{t: t, base: r.URL, key: r.AdminKey}
	id := fmt.Sprintf("t%d", time.Now().UnixNano())
	admin.must(201, "POST", "/v1/tenants", map[string]string{"id": id, "name": t.Name()}, nil)
	var key struct{ ID, Key string }
	admin.must(201, "POST", "/v1/tenants/"+id+"/keys", nil, &key)
	return client{t: t, base: r.URL + "/v1/tenants/" + id, key: key.Key}
}

// receiver is a loopback HTTP endpoint that records what it receives and
// answers with the status its respond function picks.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	requests []received
	got      chan received
}

type received struct {
	Header http.Header
	Body   []byte
	At     time.Time
}

func newReceiver(t *testing.T, respond func(n int) int) *receiver {
	r := &receiver{got: make(chan received, 1000)}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		rec := received{Header: req.Header.Clone(), Body: body, At: time.Now()}
		r.mu.Lock()
		r.requests = append(r.requests, rec)
		n := len(r.requests)
		r.mu.Unlock()
		w.WriteHeader(respond(n))
		fmt.Fprintf(w, "answer %d", n)
		r.got <- rec
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.requests)
}

// next waits for the next request.
func (r *receiver) next(t *testing.T, within time.Duration) received {
	t.Helper()
	select {
	case rec := <-r.got:
		return rec
	case <-time.After(within):
		t.Fatalf("no request reached %s within %s", r.URL, within)
		return received{}
	}
}

// eventually polls cond until it holds or the time is up.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen within %s", what, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
