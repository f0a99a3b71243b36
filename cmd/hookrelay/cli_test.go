package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookrelay/hookrelay/infra/local/localtest"
	"github.com/hookrelay/hookrelay/shared/client"
	"github.com/hookrelay/hookrelay/shared/signature"
)

// cli runs hookrelay commands in-process against one API with one key.
type cli struct {
	t      *testing.T
	url    string
	key    string
	tenant string
}

// result is what a command printed and its exit code.
type result struct {
	code           int
	stdout, stderr string
}

// run runs `hookrelay args…` with --api-url, --key and (for the API
// commands that take one) --tenant added.
func (c cli) run(args ...string) result {
	c.t.Helper()
	full := append([]string{}, args...)
	full = append(full, "--api-url", c.url, "--key", c.key)
	if c.tenant != "" && args[0] != "tenants" {
		full = append(full, "--tenant", c.tenant)
	}
	var out, errOut bytes.Buffer
	code := run(full, &out, &errOut)
	return result{code, out.String(), errOut.String()}
}

// ok runs a command that must succeed and returns its stdout.
func (c cli) ok(args ...string) string {
	c.t.Helper()
	r := c.run(args...)
	if r.code != 0 {
		c.t.Fatalf("hookrelay %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// okJSON runs a command with --json and decodes its answer into v.
func (c cli) okJSON(v any, args ...string) {
	c.t.Helper()
	out := c.ok(append(args, "--json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		c.t.Fatalf("hookrelay %s --json: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// newTenant creates a tenant and a key of it with the admin key and returns
// a cli acting as that tenant.
func newTenant(t *testing.T, id string) cli {
	t.Helper()
	r := runtime(t)
	admin := cli{t: t, url: r.URL, key: r.AdminKey}
	out := admin.ok("tenants", "create", id, "--name", "Tenant "+id)
	if !strings.Contains(out, "Tenant "+id) {
		t.Fatalf("tenants create printed %q", out)
	}
	admin.tenant = id
	var k client.Key
	admin.okJSON(&k, "keys", "create")
	if !strings.HasPrefix(k.Key, "hr_") {
		t.Fatalf("keys create: key %q", k.Key)
	}
	return cli{t: t, url: r.URL, key: k.Key, tenant: id}
}

// waitFor polls cond for up to 15 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// TestCLIWalkthrough does what README's tour does, with every command of
// the CLI, and a listen receiver that checks signatures and forwards each
// delivery to an app.
func TestCLIWalkthrough(t *testing.T) {
	c := newTenant(t, "cli-tour")

	// The app behind `listen --forward`: it records what it got.
	var appMu sync.Mutex
	var appGot []http.Header
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		appMu.Lock()
		appGot = append(appGot, r.Header.Clone())
		appMu.Unlock()
		w.WriteHeader(201)
		io.WriteString(w, "app says thanks")
	}))
	defer app.Close()

	// Create with a placeholder URL first: the receiver needs the secret.
	var wh client.Webhook
	c.okJSON(&wh, "webhooks", "create", "--url", "http://127.0.0.1:1/placeholder", "--events", "registration.*",
		"--description", "CRM sync", "--header", "X-Team: crm", "--timeout-ms", "3000")
	if !strings.HasPrefix(wh.Secret, "whsec_") || wh.TimeoutMS != 3000 || wh.Headers["X-Team"] != "crm" || !wh.Retry || !wh.Enabled {
		t.Fatalf("webhooks create: %+v", wh)
	}
	printed := &localtest.SyncBuffer{}
	recv := httptest.NewServer(listenHandler(printed, listenConfig{secret: wh.Secret, status: 200, forward: app.URL + "/hooks"}))
	defer recv.Close()
	var updated client.Webhook
	c.okJSON(&updated, "webhooks", "update", wh.ID, "--url", recv.URL+"/hooks", "--version", "1")
	if updated.URL != recv.URL+"/hooks" || updated.Version != 2 {
		t.Fatalf("webhooks update: %+v", updated)
	}
	if r := c.run("webhooks", "update", wh.ID, "--description", "stale", "--version", "1"); r.code != 1 || !strings.Contains(r.stderr, "conflict") {
		t.Fatalf("an update at a stale version: exit %d, stderr %q; want 1 and a conflict", r.code, r.stderr)
	}

	list := c.ok("webhooks", "list")
	if !strings.Contains(list, wh.ID) || !strings.Contains(list, "enabled") || !strings.Contains(list, "CRM sync") {
		t.Fatalf("webhooks list:\n%s", list)
	}
	if got := c.ok("webhooks", "get", wh.ID); !strings.Contains(got, "X-Team: crm") || !strings.Contains(got, "3000 ms") {
		t.Fatalf("webhooks get:\n%s", got)
	}

	// Publish: the receiver prints the delivery, verifies it and forwards it.
	pub := c.ok("events", "publish", "--type", "registration.created", "--id", "reg-1",
		"--data", `{"registration_id": 1, "guest": "Ada"}`)
	if !strings.Contains(pub, "reg-1") || !strings.Contains(pub, "published") {
		t.Fatalf("events publish:\n%s", pub)
	}
	if again := c.ok("events", "publish", "--type", "registration.created", "--id", "reg-1",
		"--data", `{"guest": "Ada", "registration_id": 1}`); !strings.Contains(again, "already published") {
		t.Fatalf("publishing the same event again:\n%s", again)
	}
	waitFor(t, "the receiver to print the delivery", func() bool { return strings.Contains(printed.String(), "forward:") })
	shown := printed.String()
	for _, want := range []string{"webhook-id: msg_", "webhook-signature: v1,", "x-team: crm", `"guest": "Ada"`, "signature: valid", "→ 201 Created"} {
		if !strings.Contains(shown, want) {
			t.Errorf("listen printed no %q:\n%s", want, shown)
		}
	}
	appMu.Lock()
	if len(appGot) != 1 || !strings.HasPrefix(appGot[0].Get("Webhook-Id"), "msg_") || appGot[0].Get("X-Team") != "crm" {
		t.Errorf("the app got %v", appGot)
	}
	appMu.Unlock()

	var ev client.Event
	c.okJSON(&ev, "events", "get", "reg-1")
	if len(ev.Deliveries) != 1 || ev.Deliveries[0].WebhookID != wh.ID {
		t.Fatalf("events get: %+v", ev)
	}
	waitFor(t, "the delivery to be recorded", func() bool {
		var d client.Delivery
		c.okJSON(&d, "deliveries", "get", ev.Deliveries[0].ID)
		return d.Status == "succeeded"
	})
	if got := c.ok("events", "get", "reg-1"); !strings.Contains(got, `"guest": "Ada"`) || !strings.Contains(got, "succeeded") {
		t.Fatalf("events get:\n%s", got)
	}

	// A test delivery, waited for; its answer is the app's, through listen.
	var tested client.Delivery
	c.okJSON(&tested, "webhooks", "test", wh.ID, "--wait", "15s")
	if tested.Status != "succeeded" || tested.EventType != "webhook.test" || len(tested.Attempts) != 1 ||
		tested.Attempts[0].StatusCode != 201 || tested.Attempts[0].ResponseBody != "app says thanks" {
		t.Fatalf("webhooks test --wait: %+v", tested)
	}
	logTable := c.ok("deliveries", "list", wh.ID)
	if !strings.Contains(logTable, tested.ID) || !strings.Contains(logTable, ev.Deliveries[0].ID) || !strings.Contains(logTable, "webhook.test") {
		t.Fatalf("deliveries list:\n%s", logTable)
	}
	var page client.Page[client.Delivery]
	c.okJSON(&page, "deliveries", "list", wh.ID, "--status", "succeeded", "--limit", "1")
	if len(page.Data) != 1 || page.NextCursor == nil {
		t.Fatalf("deliveries list --limit 1: %+v", page)
	}

	// Rotate: the old secret keeps verifying, since both signatures are sent.
	var rotated client.Webhook
	c.okJSON(&rotated, "webhooks", "rotate", wh.ID)
	if !strings.HasPrefix(rotated.Secret, "whsec_") || rotated.Secret == wh.Secret || rotated.PreviousSecretExpiresAt == nil {
		t.Fatalf("webhooks rotate: %+v", rotated)
	}
	before := strings.Count(printed.String(), "signature: valid")
	retried := c.ok("deliveries", "retry", tested.ID, "--wait", "15s")
	if !strings.Contains(retried, "succeeded") || !strings.Contains(retried, "app says thanks") {
		t.Fatalf("deliveries retry --wait:\n%s", retried)
	}
	waitFor(t, "the retry to be verified", func() bool { return strings.Count(printed.String(), "signature: valid") > before })
	if strings.Contains(printed.String(), "INVALID") {
		t.Fatalf("a signature did not verify:\n%s", printed.String())
	}

	var disabled client.Webhook
	c.okJSON(&disabled, "webhooks", "update", wh.ID, "--enabled=false")
	if disabled.Enabled {
		t.Fatalf("webhooks update --enabled=false: %+v", disabled)
	}
	if got := c.ok("webhooks", "delete", wh.ID); !strings.Contains(got, "deleted "+wh.ID) {
		t.Fatalf("webhooks delete: %q", got)
	}
	r := c.run("webhooks", "get", wh.ID)
	if r.code != 1 || !strings.Contains(r.stderr, "not_found (HTTP 404)") {
		t.Fatalf("get after delete: exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestCLIErrors: API errors show code, message and field; a wrong command
// line exits 2, an API or network error 1.
func TestCLIErrors(t *testing.T) {
	c := newTenant(t, "cli-errors")

	r := c.run("webhooks", "create", "--url", "ftp://example.com/hooks")
	if r.code != 1 || !strings.Contains(r.stderr, "validation_error (HTTP 400)") || !strings.Contains(r.stderr, "field: url") {
		t.Errorf("a bad URL: exit %d, stderr %q", r.code, r.stderr)
	}
	r = c.run("webhooks", "create", "--url", "ftp://example.com/hooks", "--json")
	var body struct{ Error client.APIError }
	if r.code != 1 || json.Unmarshal([]byte(r.stderr), &body) != nil || body.Error.Code != "validation_error" || body.Error.Field != "url" {
		t.Errorf("a bad URL with --json: exit %d, stderr %q", r.code, r.stderr)
	}
	r = c.run("events", "publish", "--type", "registration.created", "--data", `[1]`)
	if r.code != 1 || !strings.Contains(r.stderr, "field: data") {
		t.Errorf("data that is not an object: exit %d, stderr %q", r.code, r.stderr)
	}
	other := newTenant(t, "cli-errors-other")
	other.tenant = "cli-errors"
	if r = other.run("webhooks", "list"); r.code != 1 || !strings.Contains(r.stderr, "HTTP 404") {
		t.Errorf("another tenant's webhooks: exit %d, stderr %q", r.code, r.stderr)
	}
	if r = c.run("tenants", "create", "forbidden-here"); r.code != 1 || !strings.Contains(r.stderr, "HTTP 403") {
		t.Errorf("a tenant key on an admin route: exit %d, stderr %q", r.code, r.stderr)
	}
	bad := c
	bad.key = "hr_wrong"
	if r = bad.run("webhooks", "list"); r.code != 1 || !strings.Contains(r.stderr, "HTTP 401") {
		t.Errorf("a wrong key: exit %d, stderr %q", r.code, r.stderr)
	}
	closed := c
	closed.url = "http://127.0.0.1:1"
	if r = closed.run("webhooks", "list"); r.code != 1 || !strings.Contains(r.stderr, "connection refused") {
		t.Errorf("no API there: exit %d, stderr %q", r.code, r.stderr)
	}

	usage := [][]string{
		{"webhooks", "get"},                                   // missing id
		{"webhooks", "get", "a", "b"},                         // one too many
		{"webhooks", "create"},                                // no --url
		{"webhooks", "update", "wh_x"},                        // nothing to change
		{"webhooks", "frobnicate"},                            // no such verb
		{"webhooks", "list", "--no-such-flag"},                // no such flag
		{"events", "publish", "--type", "a.b"},                // no --data
		{"events", "publish", "--type", "a.b", "--data", "{"}, // not JSON
	}
	for _, args := range usage {
		if r := c.run(args...); r.code != 2 || r.stderr == "" {
			t.Errorf("hookrelay %s: exit %d, stderr %q; want 2 and a message", strings.Join(args, " "), r.code, r.stderr)
		}
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"nope"}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "unknown command") {
		t.Errorf("an unknown command: exit %d, %q", code, errOut.String())
	}
	errOut.Reset()
	t.Setenv("HOOKRELAY_API_KEY", "")
	t.Setenv("HOOKRELAY_TENANT", "")
	if code := run([]string{"webhooks", "list", "--tenant", "x"}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "HOOKRELAY_API_KEY") {
		t.Errorf("no key: exit %d, %q", code, errOut.String())
	}
	errOut.Reset()
	if code := run([]string{"webhooks", "list", "--key", "hr_x"}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "HOOKRELAY_TENANT") {
		t.Errorf("no tenant: exit %d, %q", code, errOut.String())
	}
}

// TestCLIEnvironment: with HOOKRELAY_API_URL, HOOKRELAY_API_KEY and
// HOOKRELAY_TENANT set, commands need no flags; flags win over them.
func TestCLIEnvironment(t *testing.T) {
	c := newTenant(t, "cli-env")
	t.Setenv("HOOKRELAY_API_URL", c.url)
	t.Setenv("HOOKRELAY_API_KEY", c.key)
	t.Setenv("HOOKRELAY_TENANT", c.tenant)
	var out, errOut bytes.Buffer
	if code := run([]string{"webhooks", "create", "--url", "http://127.0.0.1:1/x"}, &out, &errOut); code != 0 {
		t.Fatalf("webhooks create from the environment: exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "events       *") {
		t.Errorf("a webhook created without --events should get *:\n%s", out.String())
	}
	out.Reset()
	if code := run([]string{"webhooks", "list", "--json"}, &out, &errOut); code != 0 {
		t.Fatalf("webhooks list from the environment: exit %d: %s", code, errOut.String())
	}
	var p client.Page[client.Webhook]
	if err := json.Unmarshal(out.Bytes(), &p); err != nil || len(p.Data) != 1 {
		t.Fatalf("webhooks list --json: %v %s", err, out.String())
	}
	for i := 0; i < 2; i++ {
		if code := run([]string{"webhooks", "create", "--url", fmt.Sprintf("http://127.0.0.1:1/%d", i)}, io.Discard, &errOut); code != 0 {
			t.Fatalf("webhooks create: exit %d: %s", code, errOut.String())
		}
	}
	out.Reset()
	if code := run([]string{"webhooks", "list", "--limit", "1", "--all", "--json"}, &out, &errOut); code != 0 {
		t.Fatalf("webhooks list --all: exit %d: %s", code, errOut.String())
	}
	if err := json.Unmarshal(out.Bytes(), &p); err != nil || len(p.Data) != 3 || p.NextCursor != nil {
		t.Fatalf("webhooks list --limit 1 --all: want all 3 webhooks and no cursor: %v %s", err, out.String())
	}
	errOut.Reset()
	if code := run([]string{"webhooks", "list", "--api-url", "http://127.0.0.1:1"}, &out, &errOut); code != 1 {
		t.Errorf("--api-url should win over HOOKRELAY_API_URL: exit %d %s", code, errOut.String())
	}
}

// TestCLIHelp: every command answers --help with its usage and exit 0.
func TestCLIHelp(t *testing.T) {
	cases := [][]string{{"help"}, {"--help"}, {"listen", "--help"}, {"help", "webhooks"}}
	for name, g := range groups {
		cases = append(cases, []string{name, "--help"})
		for _, v := range g.verbs {
			cases = append(cases, []string{name, v.name, "--help"})
		}
	}
	for _, args := range cases {
		var out, errOut bytes.Buffer
		code := run(args, &out, &errOut)
		if code != 0 || out.Len() == 0 {
			t.Errorf("hookrelay %s: exit %d, stdout %q, stderr %q", strings.Join(args, " "), code, out.String(), errOut.String())
		}
		if len(args) == 3 && (!strings.Contains(out.String(), "-json") || !strings.Contains(out.String(), "-api-url")) {
			t.Errorf("hookrelay %s lists no common flags:\n%s", strings.Join(args, " "), out.String())
		}
	}
	for _, want := range []string{"tenants", "keys", "webhooks", "events", "deliveries"} {
		if groups[want] == nil {
			t.Errorf("no %q command", want)
		}
	}
	if len(cases) < 20 {
		t.Errorf("only %d help cases", len(cases))
	}
}

// TestBinarySmoke runs the built binary as a script would: JSON on stdout,
// the exit code telling success from failure.
func TestBinarySmoke(t *testing.T) {
	c := newTenant(t, "cli-binary")
	bin := binary(t)
	cmd := exec.Command(bin, "webhooks", "create", "--url", "http://127.0.0.1:1/x", "--events", "booking.*", "--json")
	cmd.Env = append(cmd.Environ(), "HOOKRELAY_API_URL="+c.url, "HOOKRELAY_API_KEY="+c.key, "HOOKRELAY_TENANT="+c.tenant)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("hookrelay webhooks create: %v\n%s", err, out)
	}
	var wh client.Webhook
	if err := json.Unmarshal(out, &wh); err != nil || wh.EventTypes[0] != "booking.*" {
		t.Fatalf("hookrelay webhooks create --json: %v %s", err, out)
	}
	cmd = exec.Command(bin, "webhooks", "get", "wh_missing")
	cmd.Env = append(cmd.Environ(), "HOOKRELAY_API_URL="+c.url, "HOOKRELAY_API_KEY="+c.key, "HOOKRELAY_TENANT="+c.tenant)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(stderr.String(), "not_found") {
		t.Fatalf("hookrelay webhooks get wh_missing: %v, stderr %q", err, stderr.String())
	}
	help, err := exec.Command(bin, "--help").Output()
	if err != nil || !strings.Contains(string(help), "webhooks create|list|get|update|delete|test|rotate") {
		t.Fatalf("hookrelay --help: %v\n%s", err, help)
	}
}

// signed is the webhook-signature header of a delivery.
func signed(t *testing.T, secret, id string, at time.Time, body []byte) string {
	t.Helper()
	sig, err := signature.Sign(id, at, body, secret)
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// TestListenSignatures: listen says valid for the right secret, INVALID
// for another, "not checked" without one, and answers 502 when it cannot
// forward.
func TestListenSignatures(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	body := []byte(`{"id":"evt_1","type":"a.b","timestamp":"2026-11-22T07:30:00Z","data":{"n":1}}`)
	now := time.Now()
	sig := signed(t, secret, "msg_1", now, body)
	cases := []struct {
		name    string
		cfg     listenConfig
		status  int
		printed string
	}{
		{"right secret", listenConfig{secret: secret, status: 200}, 200, "signature: valid"},
		{"other secret", listenConfig{secret: "whsec_" + strings.Repeat("A", 43) + "=", status: 200}, 200, "signature: INVALID"},
		{"no secret", listenConfig{status: 204}, 204, "signature: not checked"},
		{"forward fails", listenConfig{secret: secret, status: 200, forward: "http://127.0.0.1:1/"}, 502, "forward: FAILED"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			srv := httptest.NewServer(listenHandler(&out, tc.cfg))
			defer srv.Close()
			req, _ := http.NewRequest("POST", srv.URL+"/hooks?x=1", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Webhook-Id", "msg_1")
			req.Header.Set("Webhook-Timestamp", fmt.Sprint(now.Unix()))
			req.Header.Set("Webhook-Signature", sig)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != tc.status {
				t.Errorf("status %d, want %d", res.StatusCode, tc.status)
			}
			for _, want := range []string{tc.printed, "POST /hooks?x=1", "webhook-id: msg_1", "    \"n\": 1"} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("printed no %q:\n%s", want, out.String())
				}
			}
		})
	}
}

// TestHelpOnceWithoutTheKey: --help prints the usage once, a bad flag prints
// no usage dump, and the API key from the environment never shows.
func TestHelpOnceWithoutTheKey(t *testing.T) {
	t.Setenv("HOOKRELAY_API_KEY", "hr_do_not_print_me")
	t.Setenv("HOOKRELAY_SECRET", "whsec_do_not_print_me")
	for _, args := range [][]string{{"webhooks", "create", "--help"}, {"listen", "--help"}} {
		var out, errOut strings.Builder
		if code := run(args, &out, &errOut); code != 0 {
			t.Fatalf("%v: exit %d, %s", args, code, errOut.String())
		}
		head := strings.SplitN(out.String(), "\n", 2)[0]
		if n := strings.Count(out.String(), head); n != 1 {
			t.Errorf("%v: usage printed %d times:\n%s", args, n, out.String())
		}
		if strings.Contains(out.String(), "do_not_print_me") {
			t.Errorf("%v: help shows a secret from the environment:\n%s", args, out.String())
		}
	}
	var out, errOut strings.Builder
	if code := run([]string{"webhooks", "list", "--nope"}, &out, &errOut); code != 2 || out.Len() != 0 || !strings.Contains(errOut.String(), "--help") {
		t.Fatalf("bad flag: exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
}
