// Package sender makes the HTTP POST of one delivery attempt: bounded in time
// and in what it reads, without following redirects, over reused connections,
// and, unless private targets are allowed, only to public addresses, checked
// on the address actually connected so that DNS tricks do not get around it.
// It turns every outcome into a webhook.Attempt error code.
package sender

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hookrelay/hookrelay/shared/version"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

const (
	// DefaultTimeout bounds a request whose Timeout is not set.
	DefaultTimeout = time.Duration(webhook.DefaultTimeoutMS) * time.Millisecond
	// maxTimeout backs up the per-request deadline in the transport.
	maxTimeout = time.Duration(webhook.MaxTimeoutMS) * time.Millisecond

	// maxRead is how much of a response is read for the request log: enough
	// for webhook.MaxResponseBody characters of up to 4 bytes each.
	maxRead = 4 << 10
	// maxDrain is how much more of a response is read and discarded so that
	// its connection can be reused; a longer response closes its connection.
	maxDrain = 64 << 10

	// maxIdlePerHost covers a deliver batch (up to 10 concurrent requests)
	// to one host, with room for a second batch in flight.
	maxIdlePerHost = 32
)

// Options configures a Sender.
type Options struct {
	// AllowPrivate lets requests reach loopback, private, link-local and
	// other non-public addresses (webhook.PublicAddress). Never in AWS.
	AllowPrivate bool
	// Deny lists further prefixes that no request may reach, whatever
	// AllowPrivate says. IPv4-mapped IPv6 prefixes also cover the IPv4
	// addresses they map.
	Deny []netip.Prefix
	// UserAgent is sent with every request; empty means
	// version.UserAgent().
	UserAgent string
}

// Request is one attempt to deliver.
type Request struct {
	// URL is the endpoint; user:pass@ in it is sent as basic auth and never
	// appears in a Result.
	URL  string
	Body []byte
	// Headers are sent as given (the webhook-* headers and the webhook's
	// own); Sender sets content-type and user-agent itself.
	Headers http.Header
	// Timeout bounds the whole attempt: connecting, TLS, sending, the
	// response headers and reading the response. Zero means DefaultTimeout.
	Timeout time.Duration
}

// Result is the outcome of one attempt, ready for the request log.
type Result struct {
	// StatusCode is the response's status, 0 when there was none.
	StatusCode int
	// Body is the start of the response: webhook.TruncateBody of at most
	// its first 4 KiB.
	Body string
	// Duration is the time from the start of the attempt to the end of
	// reading the response.
	Duration time.Duration
	// Err is empty on success (a 2xx within the timeout), else one of the
	// webhook.Err* codes or a short free text.
	Err string
	// RetryAfter is the wait that a 429 or 503 asked for in Retry-After
	// (seconds or an HTTP date), 0 when none.
	RetryAfter time.Duration
}

// OK reports whether the attempt succeeded: a 2xx within the timeout.
func (r Result) OK() bool { return r.Err == "" && r.StatusCode >= 200 && r.StatusCode < 300 }

// Sender posts attempts over one shared pool of connections. It is safe for
// concurrent use; build one per process and reuse it.
type Sender struct {
	userAgent string
	dialer    *net.Dialer
	transport *http.Transport
	client    *http.Client
}

// New returns a Sender with its own transport: keep-alive, HTTP/2 where the
// server offers it, TLS 1.2 or later, no proxy (HTTP_PROXY and friends are
// ignored, so a proxy cannot carry a request around the address guard), and
// the address guard on every connection it opens.
func New(opts Options) *Sender {
	g := newGuard(opts.AllowPrivate, opts.Deny)
	dialer := &net.Dialer{
		Timeout:   maxTimeout,
		KeepAlive: 30 * time.Second,
		Control:   g.control,
		// The Go resolver reads the same spellings of an address
		// everywhere; the guard checks what it resolves to.
		Resolver: &net.Resolver{PreferGo: true},
	}
	transport := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   maxTimeout,
		ResponseHeaderTimeout: maxTimeout,
		MaxIdleConns:          512,
		MaxIdleConnsPerHost:   maxIdlePerHost,
		IdleConnTimeout:       60 * time.Second,
	}
	ua := opts.UserAgent
	if ua == "" {
		ua = version.UserAgent()
	}
	return &Sender{
		userAgent: ua,
		dialer:    dialer,
		transport: transport,
		client: &http.Client{
			Transport: transport,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		},
	}
}

// Close closes the idle connections. The Sender stays usable.
func (s *Sender) Close() { s.transport.CloseIdleConnections() }

// Send posts r.Body to r.URL once and reports what happened; it never
// follows a redirect and never reads more than a bounded part of the
// response. It returns when the attempt is over, at the latest after
// r.Timeout or when ctx ends.
func (s *Sender) Send(ctx context.Context, r Request) Result {
	start := time.Now()
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	req, err := s.newRequest(ctx, r)
	if err != nil {
		return Result{Duration: time.Since(start), Err: err.Error()}
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return Result{Duration: time.Since(start), Err: classify(err)}
	}
	res := Result{StatusCode: resp.StatusCode, Body: readExcerpt(resp.Body)}
	res.Duration = time.Since(start)
	res.Err = statusError(resp.StatusCode)
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		res.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), resp.Header.Get("Date"), time.Now())
	}
	return res
}

// newRequest builds the POST. Its errors are short texts that never contain
// the URL, whose user info may hold a password.
func (s *Sender) newRequest(ctx context.Context, r Request) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL, bytes.NewReader(r.Body))
	if err != nil || (req.URL.Scheme != "http" && req.URL.Scheme != "https") || req.URL.Host == "" {
		return nil, errors.New("invalid url")
	}
	req.Header = r.Headers.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", s.userAgent)
	// An Idempotency-Key entry with no value is not sent, but lets the
	// transport resend the POST when a reused keep-alive connection turns
	// out to be closed. Receivers already accept the same webhook-id twice.
	if _, ok := req.Header["Idempotency-Key"]; !ok {
		req.Header["Idempotency-Key"] = nil
	}
	return req, nil
}

// readExcerpt reads the start of a response body for the request log, then
// drains a bounded rest so that the connection can be reused, and closes it.
// Read errors only shorten the excerpt: the status has already arrived.
func readExcerpt(body io.ReadCloser) string {
	defer body.Close()
	buf, _ := io.ReadAll(io.LimitReader(body, maxRead))
	_, _ = io.CopyN(io.Discard, body, maxDrain)
	return webhook.TruncateBody(buf)
}

// statusError is the error code of a response status: none for 2xx.
func statusError(code int) string {
	switch {
	case code >= 200 && code < 300:
		return ""
	case code >= 300 && code < 400:
		return webhook.ErrRedirect
	default:
		return webhook.ErrHTTPStatus
	}
}

// retryAfter reads a Retry-After header: delay-seconds, or an HTTP date
// counted from the response's Date (from now when it has none). It is 0 when
// absent, unreadable or in the past.
func retryAfter(value, date string, now time.Time) time.Duration {
	if value == "" {
		return 0
	}
	if secs, err := strconv.ParseUint(value, 10, 64); err == nil {
		const maxSecs = uint64(1<<63-1) / uint64(time.Second)
		return time.Duration(min(secs, maxSecs)) * time.Second
	}
	at, err := http.ParseTime(value)
	if err != nil {
		return 0
	}
	if d, err := http.ParseTime(date); err == nil {
		now = d
	}
	return max(at.Sub(now), 0)
}

// classify turns a failed request into an attempt error code, or a short
// free text when no code fits. It never includes the URL.
func classify(err error) string {
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var recordErr tls.RecordHeaderError
	var alertErr tls.AlertError
	var netErr net.Error
	switch {
	case errors.Is(err, errBlocked):
		return webhook.ErrBlockedAddress
	case errors.As(err, &dnsErr):
		return webhook.ErrDNS
	case errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &netErr) && netErr.Timeout():
		return webhook.ErrTimeout
	case errors.Is(err, syscall.ECONNREFUSED):
		return webhook.ErrConnectionRefused
	case errors.As(err, &certErr), errors.As(err, &recordErr), errors.As(err, &alertErr),
		// net/http turns the RecordHeaderError of a plain HTTP answer into
		// this text.
		strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return webhook.ErrTLS
	}
	return freeText(err)
}

// freeText describes an error that has no code, without the URL.
func freeText(err error) string {
	var errno syscall.Errno
	var uerr *url.Error
	switch {
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed by the server"
	case errors.As(err, &errno):
		return errno.Error()
	case errors.As(err, &uerr):
		err = uerr.Err
	}
	const maxLen = 200
	msg := err.Error()
	if len(msg) > maxLen {
		msg = webhook.TruncateBody([]byte(msg[:maxLen]))
	}
	return msg
}

// errBlocked is the dial error of an address the guard refuses.
var errBlocked = errors.New(webhook.ErrBlockedAddress)

// guard decides which addresses a Sender may connect to.
type guard struct {
	allowPrivate bool
	deny         []netip.Prefix
}

// newGuard returns a guard; IPv4-mapped deny prefixes are unmapped, since
// the guard compares unmapped addresses with them.
func newGuard(allowPrivate bool, deny []netip.Prefix) guard {
	g := guard{allowPrivate: allowPrivate}
	for _, p := range deny {
		if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
		}
		g.deny = append(g.deny, p.Masked())
	}
	return g
}

// control is the dialer's Control hook: it runs on the resolved address of
// every connection after the socket is made and before it connects, so a
// refused address never receives a packet.
func (g guard) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("sender: guard: %s %q: %w", network, address, errBlocked)
	}
	if !g.allowed(ap.Addr()) {
		return fmt.Errorf("sender: guard: %s %s: %w", network, ap.Addr(), errBlocked)
	}
	return nil
}

// allowed reports whether a connection to addr may be made.
func (g guard) allowed(addr netip.Addr) bool {
	if !g.allowPrivate && !webhook.PublicAddress(addr) {
		return false
	}
	unmapped := addr.Unmap().WithZone("")
	for _, p := range g.deny {
		if p.Contains(unmapped) {
			return false
		}
	}
	return true
}

// ParseDeny reads a comma-separated deny list of CIDR prefixes or single
// addresses ("169.254.0.0/16, 203.0.113.7, fd00::/8"), as
// HOOKRELAY_DENY_CIDRS holds it. An empty string denies nothing.
func ParseDeny(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if strings.Contains(part, "/") {
			p, err := netip.ParsePrefix(part)
			if err != nil {
				return nil, fmt.Errorf("deny list entry %q: %w", part, err)
			}
			out = append(out, p)
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil {
			return nil, fmt.Errorf("deny list entry %q: %w", part, err)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}
