package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookrelay/hookrelay/infra/local/localtest"
	"github.com/hookrelay/hookrelay/shared/api"
	"github.com/hookrelay/hookrelay/shared/dynamo"
	"github.com/hookrelay/hookrelay/shared/sqs"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

// TestMain runs the tests against the emulators, then holds every exchange
// they made to the OpenAPI document.
func TestMain(m *testing.M) {
	code := localtest.Main(m)
	if code == 0 {
		code = checkOpenAPI()
	}
	os.Exit(code)
}

// adminKey is the admin key of every test server.
const adminKey = "hr_test_admin_key"

// harness is one API server over fresh tables and queues.
type harness struct {
	t     *testing.T
	url   string
	env   *localtest.Env
	store *dynamo.Store
	queue *sqs.Queue
	logs  *syncBuffer
}

// newHarness starts the API over fresh DynamoDB Local tables and fauxqs
// queues, with private targets allowed unless told otherwise.
func newHarness(t *testing.T, opts ...func(*api.Config)) *harness {
	t.Helper()
	env := localtest.New(t, 3)
	h := &harness{
		t:     t,
		env:   env,
		store: dynamo.New(env.DynamoDB, env.Prefix),
		queue: sqs.New(env.SQS, env.Queues.Delivery, env.Queues.DeadLetter),
		logs:  &syncBuffer{},
	}
	cfg := api.Config{
		Store:        h.store,
		Queue:        h.queue,
		AdminKeyHash: func(context.Context) (string, error) { return webhook.HashKey(adminKey), nil },
		AllowPrivate: true,
		Schedule:     webhook.Schedule{0, time.Second, time.Second},
		Logger:       slog.New(slog.NewJSONHandler(h.logs, nil)),
	}
	for _, o := range opts {
		o(&cfg)
	}
	srv := httptest.NewServer(api.New(cfg))
	t.Cleanup(srv.Close)
	h.url = srv.URL
	return h
}

// response is one answer: its status, headers and body.
type response struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a generic map.
func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", r.body, err)
	}
	return m
}

// errorOf returns the code and field of an error answer.
func (r response) errorOf(t *testing.T) (code, field string) {
	t.Helper()
	e, ok := r.json(t)["error"].(map[string]any)
	if !ok {
		t.Fatalf("body %q has no error object", r.body)
	}
	code, _ = e["code"].(string)
	field, _ = e["field"].(string)
	if msg, _ := e["message"].(string); msg == "" {
		t.Errorf("error %q has no message", r.body)
	}
	return code, field
}

// do sends a request with the key as bearer (none when empty) and body as
// JSON (none when nil; a string or []byte is sent verbatim).
func (h *harness) do(method, path, key string, body any) response {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, h.url+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	return h.send(req)
}

// request prepares a request with a JSON body and the key as bearer.
func (h *harness) request(method, path, key, body string) *http.Request {
	h.t.Helper()
	req, err := http.NewRequest(method, h.url+path, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	return req
}

// send sends a prepared request and records the exchange for the OpenAPI
// check.
func (h *harness) send(req *http.Request) response {
	h.t.Helper()
	var reqBody []byte
	if req.Body != nil {
		reqBody, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	record(req, reqBody, res, b)
	if res.StatusCode >= 500 {
		h.t.Errorf("%s %s answered %d: %s", req.Method, req.URL.Path, res.StatusCode, b)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// must fails the test unless the answer has the wanted status.
func (h *harness) must(r response, status int) response {
	h.t.Helper()
	if r.status != status {
		h.t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	return r
}

// tenant creates a tenant and a key for it and returns the key.
func (h *harness) tenant(id string) string {
	h.t.Helper()
	h.must(h.do("POST", "/v1/tenants", adminKey, map[string]any{"id": id, "name": "Tenant " + id}), 201)
	r := h.must(h.do("POST", "/v1/tenants/"+id+"/keys", adminKey, nil), 201)
	key, _ := r.json(h.t)["key"].(string)
	if !strings.HasPrefix(key, "hr_") {
		h.t.Fatalf("key %q does not start with hr_", key)
	}
	return key
}

// webhook creates a webhook and returns its JSON.
func (h *harness) webhook(tenant, key string, body map[string]any) map[string]any {
	h.t.Helper()
	if body == nil {
		body = map[string]any{"url": "https://example.com/hook", "event_types": []string{"*"}}
	}
	return h.must(h.do("POST", "/v1/tenants/"+tenant+"/webhooks", key, body), 201).json(h.t)
}

// wantError checks an error answer's status, code and field.
func wantError(t *testing.T, r response, status int, code, field string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	gotCode, gotField := r.errorOf(t)
	if gotCode != code || gotField != field {
		t.Fatalf("error code %q field %q, want %q %q: %s", gotCode, gotField, code, field, r.body)
	}
}

// syncBuffer is a bytes.Buffer safe for a logger and a test to share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// Bytes returns a copy of what was written.
func (b *syncBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

func contains(b []byte, s string) bool { return bytes.Contains(b, []byte(s)) }
