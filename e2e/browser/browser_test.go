// Package browser tests the web console in a real browser: headless
// Chromium (Debian's chromium package) driven by playwright-core from
// console.mjs, against the local runtime.
package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookrelay/hookrelay/infra/local"
	"github.com/hookrelay/hookrelay/infra/local/localtest"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

// TestConsoleInChromium runs console.mjs: sign in, create a webhook, send a
// test that the receiver fails, see it in the request log, press retry and
// see it succeed, then edit, disable, enable, rotate and read the event.
// Without Chromium or playwright-core it fails: CI installs both.
func TestConsoleInChromium(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root, err := local.FindRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("the console's browser test needs Chromium at %s (apt-get install -y chromium chromium-driver; .ci/run does): %v", chromium, err)
	}
	if _, err := os.Stat(filepath.Join(root, "node_modules", "playwright-core", "package.json")); err != nil {
		t.Fatalf("the console's browser test needs playwright-core from package.json: run make tools (npm ci): %v", err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("the console's browser test needs Node.js: %v", err)
	}

	logs := &localtest.SyncBuffer{}
	rt, err := localtest.StartRuntime(local.Config{
		Schedule:     webhook.Schedule{0, time.Second, time.Second},
		AllowPrivate: true,
		Root:         root,
		Logger:       slog.New(slog.NewJSONHandler(logs, nil)),
	})
	if err != nil {
		t.Fatalf("start the local runtime: %v", err)
	}
	defer rt.Close()

	const tenant = "console-test"
	call(t, rt.URL, rt.AdminKey, "POST", "/v1/tenants", `{"id":"`+tenant+`","name":"Console test"}`, nil)
	var key struct{ Key string }
	call(t, rt.URL, rt.AdminKey, "POST", "/v1/tenants/"+tenant+"/keys", "", &key)

	// The receiver is down for its first request and fine afterwards, so the
	// test delivery fails (the webhook has retries off) and the retry works.
	var mu sync.Mutex
	var got []string
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		got = append(got, r.Header.Get("Webhook-Id"))
		n := len(got)
		mu.Unlock()
		if n == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, "down for maintenance")
			return
		}
		io.WriteString(w, `{"thanks":true}`)
	}))
	defer receiver.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(wd, "console.mjs"))
	cmd.Dir = root
	cmd.Env = append(os.Environ(),
		"HOOKRELAY_API_URL="+rt.URL,
		"HOOKRELAY_TENANT="+tenant,
		"HOOKRELAY_API_KEY="+key.Key,
		"RECEIVER_URL="+receiver.URL+"/hooks",
		"CHROMIUM="+chromium,
		"SCREENSHOTS="+filepath.Join(root, "testdata", "screenshots"),
	)
	// HOOKRELAY_UPDATE_DOCS=1 go test ./e2e/browser retakes README's picture.
	if os.Getenv("HOOKRELAY_UPDATE_DOCS") != "" {
		cmd.Env = append(cmd.Env, "DOCS_SCREENSHOT="+filepath.Join(root, "docs", "console.png"))
	}
	began := time.Now()
	out, err := cmd.CombinedOutput()
	t.Logf("console.mjs (%.1fs):\n%s", time.Since(began).Seconds(), out)
	if err != nil {
		t.Fatalf("console.mjs failed: %v\nlast runtime log lines:\n%s", err, logs.Tail(4000))
	}
	if !strings.Contains(string(out), "PASS") {
		t.Fatalf("console.mjs did not report PASS")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 || got[0] != got[1] || !strings.HasPrefix(got[0], "msg_") {
		t.Fatalf("the receiver got webhook-ids %v; want one test delivery and its retry, under the same id", got)
	}
}

// call sends a request to the API and decodes its JSON answer into out.
func call(t *testing.T, base, key, method, path, body string, out any) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, base+path, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		t.Fatalf("%s %s: %s %s", method, path, res.Status, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v", method, path, fmt.Errorf("decode %s: %w", raw, err))
		}
	}
}
