package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hookrelay/hookrelay/shared/signature"
)

const listenUsage = `hookrelay listen [flags]

A local receiver for webhooks: point a webhook at it and it prints every
delivery — headers, the JSON body pretty-printed, and with --secret whether
the signature is valid. With --forward it also passes each delivery on to
your app and answers with your app's answer, so the request log shows it.

Flags:
`

// listenConfig is what the receiver does with each delivery.
type listenConfig struct {
	secret  string // verify signatures with it when set
	status  int    // answer with it when not forwarding
	forward string // POST each delivery there too when set
	client  *http.Client
	now     func() time.Time
}

// runListen serves the receiver until it fails or the process is stopped.
func runListen(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("listen", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	addr := fs.String("addr", "127.0.0.1:9000", "address to listen on")
	secret := fs.String("secret", "", "the webhook's signing secret (whsec_…), to verify signatures (default: env HOOKRELAY_SECRET)")
	status := fs.Int("status", 200, "status code to answer with (when not forwarding)")
	forward := fs.String("forward", "", "also POST each delivery, headers and body unchanged, to this URL (e.g. http://localhost:3000/webhooks) and answer with its answer")
	fs.Usage = func() {} // printed below for --help only, never twice
	if _, err := parseInterleaved(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, listenUsage)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return nil
		}
		return usagef("listen: %v", err)
	}
	if *secret == "" {
		*secret = os.Getenv("HOOKRELAY_SECRET")
	}
	if *status < 100 || *status > 999 {
		return usagef("listen: --status must be an HTTP status code")
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	fmt.Fprintf(stderr, "listening on http://%s — point a webhook here; Ctrl-C stops\n", ln.Addr())
	if *secret == "" {
		fmt.Fprintln(stderr, "no --secret: signatures are shown but not checked")
	}
	if *forward != "" {
		fmt.Fprintf(stderr, "forwarding each delivery to %s\n", *forward)
	}
	cfg := listenConfig{secret: *secret, status: *status, forward: *forward}
	srv := &http.Server{Handler: listenHandler(stdout, cfg), ReadHeaderTimeout: 10 * time.Second}
	return srv.Serve(ln)
}

// listenHandler prints each request to out and answers it.
func listenHandler(out io.Writer, cfg listenConfig) http.Handler {
	if cfg.client == nil {
		cfg.client = &http.Client{
			Timeout:       30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	if cfg.now == nil {
		cfg.now = time.Now
	}
	var mu sync.Mutex // one delivery's lines stay together
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "read body", http.StatusBadRequest)
			return
		}
		var b strings.Builder
		fmt.Fprintf(&b, "\n── %s %s %s\n", cfg.now().Format(time.TimeOnly), r.Method, r.URL.RequestURI())
		writeHeaders(&b, r.Header)
		b.WriteString(prettyBody(body))
		b.WriteString(signatureLine(cfg, r.Header, body))
		status, answer := cfg.status, []byte("received by hookrelay listen\n")
		if cfg.forward != "" {
			var line string
			status, answer, line = forward(cfg, r, body)
			b.WriteString(line)
		}
		mu.Lock()
		io.WriteString(out, b.String())
		mu.Unlock()
		w.WriteHeader(status)
		w.Write(answer)
	})
}

// writeHeaders writes every header, sorted by name.
func writeHeaders(b *strings.Builder, h http.Header) {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range h[k] {
			fmt.Fprintf(b, "  %s: %s\n", strings.ToLower(k), v)
		}
	}
}

// prettyBody is the body indented when it is JSON, quoted when it is not.
func prettyBody(body []byte) string {
	var pretty bytes.Buffer
	if len(body) > 0 && json.Indent(&pretty, body, "  ", "  ") == nil {
		return "\n  " + pretty.String() + "\n\n"
	}
	return fmt.Sprintf("\n  %q\n\n", body)
}

// signatureLine tells whether the Standard Webhooks signature verifies.
func signatureLine(cfg listenConfig, h http.Header, body []byte) string {
	if cfg.secret == "" {
		return "  signature: not checked (start with --secret whsec_…)\n"
	}
	err := signature.Verify(cfg.secret, h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature"), body, cfg.now(), 5*time.Minute)
	if err != nil {
		return fmt.Sprintf("  signature: INVALID (%v)\n", err)
	}
	return "  signature: valid\n"
}

// hopHeaders are not passed on when forwarding.
var hopHeaders = map[string]bool{"Host": true, "Content-Length": true, "Connection": true, "Transfer-Encoding": true, "Accept-Encoding": true}

// forward POSTs the delivery to cfg.forward and returns its answer for the
// sender, and a line saying how it went. A failure answers 502.
func forward(cfg listenConfig, r *http.Request, body []byte) (int, []byte, string) {
	req, err := http.NewRequestWithContext(r.Context(), r.Method, cfg.forward, bytes.NewReader(body))
	if err != nil {
		return http.StatusBadGateway, []byte("hookrelay listen: bad --forward URL\n"), fmt.Sprintf("  forward: FAILED (%v)\n", err)
	}
	for k, vs := range r.Header {
		if !hopHeaders[k] {
			req.Header[k] = vs
		}
	}
	start := time.Now()
	res, err := cfg.client.Do(req)
	if err != nil {
		return http.StatusBadGateway, []byte("hookrelay listen: forward failed\n"), fmt.Sprintf("  forward: FAILED (%v)\n", err)
	}
	defer res.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	return res.StatusCode, answer, fmt.Sprintf("  forward: %s → %s (%d ms)\n", cfg.forward, res.Status, time.Since(start).Milliseconds())
}
