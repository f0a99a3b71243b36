package sender

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hookrelay/hookrelay/shared/version"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

// send posts body to url with a local sender that may reach loopback.
func send(t *testing.T, s *Sender, url string, timeout time.Duration) Result {
	t.Helper()
	return s.Send(context.Background(), Request{
		URL:     url,
		Body:    []byte(`{"id":"evt_1","type":"registration.created"}`),
		Headers: http.Header{"Webhook-Id": {"msg_1"}, "X-Extra": {"yes"}},
		Timeout: timeout,
	})
}

func TestSendOutcomes(t *testing.T) {
	s := newTestSender(t, Options{AllowPrivate: true}, nil)
	tests := []struct {
		name    string
		handler http.HandlerFunc
		path    string
		status  int
		err     string
		body    string
	}{
		{"200", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "thanks") }, "/", 200, "", "thanks"},
		{"204 without body", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) }, "/", 204, "", ""},
		{"299", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(299) }, "/", 299, "", ""},
		{"500 with body", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(500)
			io.WriteString(w, `{"error":"database down"}`)
		}, "/", 500, webhook.ErrHTTPStatus, `{"error":"database down"}`},
		{"404", http.NotFound, "/", 404, webhook.ErrHTTPStatus, "404 page not found\n"},
		{"410", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(410) }, "/", 410, webhook.ErrHTTPStatus, ""},
		{"302 not followed", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/moved" {
				t.Errorf("the redirect was followed")
			}
			http.Redirect(w, r, "/moved", http.StatusFound)
		}, "/", 302, webhook.ErrRedirect, ""},
		{"307 not followed", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusTemporaryRedirect)
		}, "/", 307, webhook.ErrRedirect, ""},
		{"308 not followed", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/moved", http.StatusPermanentRedirect)
		}, "/", 308, webhook.ErrRedirect, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rcv := startReceiver(t, tt.handler, false)
			got := send(t, s, rcv.URL+tt.path, 5*time.Second)
			if got.StatusCode != tt.status || got.Err != tt.err {
				t.Errorf("got status %d error %q, want %d %q", got.StatusCode, got.Err, tt.status, tt.err)
			}
			if tt.body != "" && !strings.Contains(got.Body, strings.TrimSuffix(tt.body, "\n")) {
				t.Errorf("body %q, want %q", got.Body, tt.body)
			}
			if got.OK() != (tt.err == "") {
				t.Errorf("OK() = %v with error %q", got.OK(), got.Err)
			}
			if got.Duration <= 0 {
				t.Errorf("duration %v", got.Duration)
			}
			if n := rcv.requests.Load(); n != 1 {
				t.Errorf("receiver saw %d requests, want 1", n)
			}
		})
	}
}

func TestSendRequest(t *testing.T) {
	var got *http.Request
	var body []byte
	rcv := startReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		got = r
		body, _ = io.ReadAll(r.Body)
	}, false)
	s := newTestSender(t, Options{AllowPrivate: true}, nil)
	res := s.Send(context.Background(), Request{
		URL:  rcv.URL + "/hooks?x=1",
		Body: []byte(`{"id":"evt_1"}`),
		Headers: http.Header{
			"Webhook-Id":   {"msg_1"},
			"X-Tenant":     {"acme"},
			"Content-Type": {"text/plain"}, // overridden
		},
		Timeout: 5 * time.Second,
	})
	if !res.OK() {
		t.Fatalf("Send: %+v", res)
	}
	checks := []struct{ what, got, want string }{
		{"method", got.Method, "POST"},
		{"path", got.URL.RequestURI(), "/hooks?x=1"},
		{"body", string(body), `{"id":"evt_1"}`},
		{"content-type", got.Header.Get("Content-Type"), "application/json"},
		{"user-agent", got.Header.Get("User-Agent"), version.UserAgent()},
		{"webhook-id", got.Header.Get("Webhook-Id"), "msg_1"},
		{"extra header", got.Header.Get("X-Tenant"), "acme"},
		{"idempotency-key, marks the POST replayable but is not sent", strings.Join(got.Header.Values("Idempotency-Key"), ","), ""},
		{"content-length", fmt.Sprint(got.ContentLength), "14"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}
	if _, ok := got.Header["Idempotency-Key"]; ok {
		t.Errorf("an Idempotency-Key header was sent")
	}
}

func TestSendUserAgentOption(t *testing.T) {
	var ua string
	rcv := startReceiver(t, func(_ http.ResponseWriter, r *http.Request) { ua = r.UserAgent() }, false)
	s := newTestSender(t, Options{AllowPrivate: true, UserAgent: "hookrelay/test"}, nil)
	if res := send(t, s, rcv.URL, 5*time.Second); !res.OK() {
		t.Fatalf("Send: %+v", res)
	}
	if ua != "hookrelay/test" {
		t.Errorf("user-agent %q", ua)
	}
}

func TestSendTimeout(t *testing.T) {
	release := make(chan struct{})
	rcv := startReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(3 * time.Second):
		case <-r.Context().Done():
		case <-release:
		}
	}, false)
	defer close(release)
	s := newTestSender(t, Options{AllowPrivate: true}, nil)
	got := send(t, s, rcv.URL, time.Second)
	if got.Err != webhook.ErrTimeout || got.StatusCode != 0 {
		t.Errorf("got %+v, want error %q and no status", got, webhook.ErrTimeout)
	}
	if got.Duration < time.Second {
		t.Errorf("gave up after %v, before the 1s timeout", got.Duration)
	}
}

func TestSendSlowBodyAfter2xx(t *testing.T) {
	// The 2xx arrived within the timeout: the attempt succeeded, with what
	// of the body came before the deadline.
	rcv := startReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "accepted;")
		w.(http.Flusher).Flush()
		select {
		case <-time.After(3 * time.Second):
		case <-r.Context().Done():
		}
	}, false)
	s := newTestSender(t, Options{AllowPrivate: true}, nil)
	got := send(t, s, rcv.URL, time.Second)
	if !got.OK() || got.Body != "accepted;" {
		t.Errorf("got %+v, want success with body %q", got, "accepted;")
	}
}

func TestSendParentContext(t *testing.T) {
	rcv := startReceiver(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }, false)
	s := newTestSender(t, Options{AllowPrivate: true}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	got := s.Send(ctx, Request{URL: rcv.URL, Timeout: 10 * time.Second})
	if got.Err != "canceled" {
		t.Errorf("got %+v, want error canceled", got)
	}
}

func TestSendConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	s := newTestSender(t, Options{AllowPrivate: true}, nil)
	if got := send(t, s, "http://"+addr+"/", 2*time.Second); got.Err != webhook.ErrConnectionRefused {
		t.Errorf("got %+v, want %q", got, webhook.ErrConnectionRefused)
	}
}

func TestSendTLS(t *testing.T) {
	rcv := startReceiver(t, nil, true)
	plain := startReceiver(t, nil, false)
	s := newTestSender(t, Options{AllowPrivate: true}, nil)

	t.Run("untrusted certificate", func(t *testing.T) {
		if got := send(t, s, rcv.URL, 2*time.Second); got.Err != webhook.ErrTLS {
			t.Errorf("got %+v, want %q", got, webhook.ErrTLS)
		}
		if n := rcv.requests.Load(); n != 0 {
			t.Errorf("receiver saw %d requests", n)
		}
	})
	t.Run("wrong host name", func(t *testing.T) {
		// The test certificate names 127.0.0.1 and example.com, not
		// localhost.
		trusting := newTestSender(t, Options{AllowPrivate: true}, nil)
		trusting.transport.TLSClientConfig.RootCAs = pool(rcv.Certificate())
		url := "https://localhost:" + rcv.port() + "/"
		if got := send(t, trusting, url, 2*time.Second); got.Err != webhook.ErrTLS {
			t.Errorf("got %+v, want %q", got, webhook.ErrTLS)
		}
	})
	t.Run("https to a plain http server", func(t *testing.T) {
		url := "https://127.0.0.1:" + plain.port() + "/"
		if got := send(t, s, url, 2*time.Second); got.Err != webhook.ErrTLS {
			t.Errorf("got %+v, want %q", got, webhook.ErrTLS)
		}
	})
	t.Run("trusted certificate, HTTP/2", func(t *testing.T) {
		var proto string
		h2 := startReceiver(t, func(_ http.ResponseWriter, r *http.Request) { proto = r.Proto }, true)
		trusting := newTestSender(t, Options{AllowPrivate: true}, nil)
		trusting.transport.TLSClientConfig.RootCAs = pool(h2.Certificate())
		if got := send(t, trusting, h2.URL, 2*time.Second); !got.OK() {
			t.Fatalf("got %+v", got)
		}
		if proto != "HTTP/2.0" {
			t.Errorf("protocol %q, want HTTP/2.0", proto)
		}
	})
}

func pool(cert *x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(cert)
	return p
}

func TestSendDNS(t *testing.T) {
	s := newTestSender(t, Options{AllowPrivate: true}, nil)
	for _, host := range []string{"nonexistent.invalid", "no-such-host.example"} {
		if got := send(t, s, "https://"+host+"/", 2*time.Second); got.Err != webhook.ErrDNS {
			t.Errorf("%s: got %+v, want %q", host, got, webhook.ErrDNS)
		}
	}
}

func TestSendInvalidURL(t *testing.T) {
	s := newTestSender(t, Options{AllowPrivate: true}, nil)
	for _, u := range []string{"", "ftp://user:hunter2@example.com/", "http://user:hunter2@host:port/", "://hunter2", "/relative"} {
		got := send(t, s, u, time.Second)
		if got.Err != "invalid url" {
			t.Errorf("%q: got %+v, want error %q", u, got, "invalid url")
		}
	}
}

func TestSendBodyExcerpt(t *testing.T) {
	s := newTestSender(t, Options{AllowPrivate: true}, nil)
	tests := []struct {
		name      string
		body      string
		wantChars int
	}{
		{"short", "fine", 4},
		{"ascii over 1000", strings.Repeat("a", 5000), webhook.MaxResponseBody},
		{"two-byte characters", strings.Repeat("é", 1500), webhook.MaxResponseBody},
		{"three-byte characters", strings.Repeat("€", 1200), webhook.MaxResponseBody},
		{"four-byte characters past 4 KiB", strings.Repeat("🎉", 1200), webhook.MaxResponseBody},
		{"mixed, exactly 1000", strings.Repeat("aé€🎉", 250), webhook.MaxResponseBody},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rcv := startReceiver(t, func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(500)
				io.WriteString(w, tt.body)
			}, false)
			got := send(t, s, rcv.URL, 5*time.Second)
			if got.Err != webhook.ErrHTTPStatus {
				t.Fatalf("got %+v", got)
			}
			if !utf8.ValidString(got.Body) {
				t.Errorf("excerpt is not valid UTF-8: cut inside a character")
			}
			if n := utf8.RuneCountInString(got.Body); n != tt.wantChars {
				t.Errorf("excerpt has %d characters, want %d", n, tt.wantChars)
			}
			if !strings.HasPrefix(tt.body, got.Body) {
				t.Errorf("excerpt is not the start of the body")
			}
		})
	}
}

func TestSendEndlessBody(t *testing.T) {
	// A response that never ends is read only in part: the sender closes
	// the connection long before its timeout, and the server's writes fail
	// after no more than the socket buffers hold.
	written := make(chan int64, 1)
	rcv := startReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		chunk := []byte(strings.Repeat("x", 32<<10))
		var n int64
		defer func() { written <- n }()
		for r.Context().Err() == nil {
			m, err := w.Write(chunk)
			n += int64(m)
			if err != nil {
				return
			}
		}
	}, false)
	s := newTestSender(t, Options{AllowPrivate: true}, nil)
	const timeout = 20 * time.Second
	got := send(t, s, rcv.URL, timeout)
	if !got.OK() || len(got.Body) != webhook.MaxResponseBody {
		t.Errorf("got status %d error %q body %d bytes, want success and %d", got.StatusCode, got.Err, len(got.Body), webhook.MaxResponseBody)
	}
	if got.Duration >= timeout {
		t.Errorf("the attempt read until its timeout")
	}
	if n := <-written; n > 64<<20 {
		t.Errorf("the server wrote %d MiB before the sender hung up", n>>20)
	}
}

func TestSendRetryAfter(t *testing.T) {
	s := newTestSender(t, Options{AllowPrivate: true}, nil)
	date := time.Date(2026, 11, 22, 7, 30, 0, 0, time.UTC)
	httpDate := func(t time.Time) string { return t.Format(http.TimeFormat) }
	tests := []struct {
		name   string
		status int
		header string
		date   string
		want   time.Duration
	}{
		{"429 seconds", 429, "120", "", 120 * time.Second},
		{"503 seconds", 503, "5", "", 5 * time.Second},
		{"zero", 429, "0", "", 0},
		{"negative", 429, "-5", "", 0},
		{"fraction", 429, "1.5", "", 0},
		{"garbage", 429, "soon", "", 0},
		{"absent", 429, "", "", 0},
		{"huge", 429, "99999999999999999999", "", 0},
		{"beyond Duration", 429, "9999999999999", "", time.Duration(1<<63-1) / time.Second * time.Second},
		{"date, counted from the response's Date", 503, httpDate(date.Add(90 * time.Second)), httpDate(date), 90 * time.Second},
		{"date in the past", 503, httpDate(date.Add(-time.Minute)), httpDate(date), 0},
		{"ignored on 500", 500, "120", "", 0},
		{"ignored on 200", 200, "120", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rcv := startReceiver(t, func(w http.ResponseWriter, _ *http.Request) {
				if tt.header != "" {
					w.Header().Set("Retry-After", tt.header)
				}
				if tt.date != "" {
					w.Header().Set("Date", tt.date)
				}
				w.WriteHeader(tt.status)
			}, false)
			got := send(t, s, rcv.URL, 5*time.Second)
			if got.StatusCode != tt.status {
				t.Fatalf("got %+v", got)
			}
			if got.RetryAfter != tt.want {
				t.Errorf("RetryAfter = %v, want %v", got.RetryAfter, tt.want)
			}
		})
	}
}

func TestRetryAfterDateWithoutDateHeader(t *testing.T) {
	now := time.Date(2026, 11, 22, 7, 30, 0, 0, time.UTC)
	at := now.Add(time.Hour).Format(http.TimeFormat)
	if got := retryAfter(at, "", now); got != time.Hour {
		t.Errorf("retryAfter = %v, want 1h", got)
	}
	if got := retryAfter(at, "not a date", now); got != time.Hour {
		t.Errorf("retryAfter with a bad Date = %v, want 1h", got)
	}
}

func TestSendBasicAuth(t *testing.T) {
	const password = "s3cr3t-Passw0rd"
	var user, pass string
	var ok bool
	rcv := startReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok = r.BasicAuth()
		w.WriteHeader(500)
		io.WriteString(w, "no thanks")
	}, false)
	s := newTestSender(t, Options{AllowPrivate: true}, nil)
	target := "http://partner:" + password + "@" + strings.TrimPrefix(rcv.URL, "http://") + "/hook"
	got := send(t, s, target, 5*time.Second)
	if !ok || user != "partner" || pass != password {
		t.Errorf("receiver got basic auth %v %q %q", ok, user, pass)
	}
	if got.StatusCode != 500 {
		t.Errorf("got %+v", got)
	}

	// The password appears in no result, on success or on any failure.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	guarded := newTestSender(t, Options{}, nil)
	results := map[string]Result{
		"500":                got,
		"refused":            send(t, s, "http://partner:"+password+"@"+closed+"/", 2*time.Second),
		"blocked":            send(t, guarded, target, 2*time.Second),
		"dns":                send(t, s, "http://partner:"+password+"@nonexistent.invalid/", 2*time.Second),
		"escaped in the url": send(t, s, "http://partner:"+url.QueryEscape(password+"/?")+"@nonexistent.invalid/", 2*time.Second),
		"bad port":           send(t, s, "http://partner:"+password+"@127.0.0.1:99999/", 2*time.Second),
	}
	for name, r := range results {
		if r.Err == "" && name != "500" {
			t.Errorf("%s: no error: %+v", name, r)
		}
		if s := fmt.Sprintf("%+v", r); strings.Contains(s, password) || strings.Contains(s, "s3cr3t") {
			t.Errorf("%s: the password is in the result: %s", name, s)
		}
	}
}

func TestSendReusesConnections(t *testing.T) {
	// A response longer than the excerpt is drained, so its connection is
	// reused too.
	long := strings.Repeat("y", 16<<10)
	rcv := startReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, long)
	}, false)
	s := newTestSender(t, Options{AllowPrivate: true}, nil)

	for i := range 20 {
		if got := send(t, s, rcv.URL, 5*time.Second); !got.OK() {
			t.Fatalf("send %d: %+v", i, got)
		}
	}
	if n := rcv.conns.Load(); n != 1 {
		t.Errorf("20 sequential sends opened %d connections, want 1", n)
	}

	// Batches of 10 concurrent sends, as deliver makes them, reuse their
	// connections: without reuse the 50 sends would open 50. A connection
	// returns to the idle pool a moment after its response is read, so a
	// batch that starts at once may open a few more than 10; 2×10 is the
	// bound that still fails when nothing is reused.
	const batch, rounds = 10, 5
	for range rounds {
		var wg sync.WaitGroup
		for range batch {
			wg.Go(func() {
				if got := send(t, s, rcv.URL, 5*time.Second); !got.OK() {
					t.Errorf("concurrent send: %+v", got)
				}
			})
		}
		wg.Wait()
	}
	if n := rcv.conns.Load(); n > 2*batch {
		t.Errorf("%d batches of %d opened %d connections, want at most %d", rounds, batch, n, 2*batch)
	}
	if n := rcv.requests.Load(); n != 20+batch*rounds {
		t.Errorf("receiver saw %d requests, want %d", n, 20+batch*rounds)
	}
}

func TestSendIgnoresProxyEnvironment(t *testing.T) {
	// A proxy on loopback that would carry the request around the guard:
	// the target is denied, the proxy's address is allowed.
	proxy := startReceiver(t, nil, false)
	t.Setenv("HTTP_PROXY", proxy.URL)
	t.Setenv("HTTPS_PROXY", proxy.URL)
	t.Setenv("http_proxy", proxy.URL)
	t.Setenv("https_proxy", proxy.URL)
	t.Setenv("NO_PROXY", "")
	t.Setenv("no_proxy", "")
	opts := Options{AllowPrivate: true, Deny: []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")}}
	const target = "http://198.51.100.7/hook"

	s := newTestSender(t, opts, nil)
	if got := send(t, s, target, 2*time.Second); got.Err != webhook.ErrBlockedAddress {
		t.Errorf("got %+v, want %q", got, webhook.ErrBlockedAddress)
	}
	if n := proxy.conns.Load(); n != 0 {
		t.Errorf("the proxy got %d connections", n)
	}

	// The control: a transport that used the proxy would have got through.
	proxied := newTestSender(t, opts, nil)
	proxied.transport.Proxy = http.ProxyFromEnvironment
	if got := send(t, proxied, target, 2*time.Second); got.Err == webhook.ErrBlockedAddress {
		t.Errorf("control: a proxied request was blocked: %+v", got)
	}
	if n := proxy.requests.Load(); n != 1 {
		t.Errorf("control: the proxy got %d requests, want 1", n)
	}
}
