package api

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hookrelay/hookrelay/shared/webhook"
)

// DefaultMaxWebhooksPerTenant caps a tenant's webhooks unless
// Config.MaxWebhooksPerTenant (HOOKRELAY_MAX_WEBHOOKS_PER_TENANT) says
// otherwise.
const DefaultMaxWebhooksPerTenant = 100

// EnvMaxWebhooksPerTenant names the cap's environment variable.
const EnvMaxWebhooksPerTenant = "HOOKRELAY_MAX_WEBHOOKS_PER_TENANT"

// ELimit is the error code of a request that would pass a configured limit;
// it is answered 409.
const ELimit = "limit_exceeded"

// MaxWebhooksFromEnv reads HOOKRELAY_MAX_WEBHOOKS_PER_TENANT: 0 (the
// default) when unset.
func MaxWebhooksFromEnv(getenv func(string) string) (int, error) {
	v := strings.TrimSpace(getenv(EnvMaxWebhooksPerTenant))
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%s: %q is not a positive integer", EnvMaxWebhooksPerTenant, v)
	}
	return n, nil
}

// checkWebhookLimit refuses a new webhook when the tenant already has as
// many as allowed. Two creations racing at the cap may both pass; the cap
// bounds abuse, not an exact count.
func (s *server) checkWebhookLimit(ctx context.Context, tenantID string) error {
	limit := s.cfg.MaxWebhooksPerTenant
	if limit <= 0 {
		limit = DefaultMaxWebhooksPerTenant
	}
	hooks, err := s.cfg.Store.TenantWebhooks(ctx, tenantID)
	if err != nil {
		return err
	}
	if len(hooks) >= limit {
		return webhook.Errorf(ELimit, "tenant %q already has %d webhooks, the most allowed (%s); delete one first", tenantID, len(hooks), EnvMaxWebhooksPerTenant)
	}
	return nil
}

// RateLimit wraps an API handler with a token bucket per API key (by the
// key's SHA-256 hash; per client address for requests without one): rate
// requests a second, bursts of up to burst. A request over the limit is
// answered 429 with Retry-After (seconds) and is never handled. GET /healthz
// is not limited. The local runtime uses it; in AWS, API Gateway's stage
// throttling does this job.
func RateLimit(next http.Handler, rate float64, burst int) http.Handler {
	return &limiter{next: next, rate: rate, burst: float64(max(burst, 1)), now: time.Now, buckets: map[string]*bucket{}}
}

type limiter struct {
	next    http.Handler
	rate    float64
	burst   float64
	now     func() time.Time
	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// maxBuckets bounds the limiter's memory; past it, full buckets are dropped.
const maxBuckets = 10000

func (l *limiter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/healthz" {
		l.next.ServeHTTP(w, r)
		return
	}
	if wait := l.take(clientKey(r)); wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		writeJSON(w, http.StatusTooManyRequests, errorBody{Error: errorDetail{
			Code: "rate_limited", Message: fmt.Sprintf("too many requests with this key: at most %g a second (bursts of %g); retry later", l.rate, l.burst),
		}})
		return
	}
	l.next.ServeHTTP(w, r)
}

// take spends one token of key's bucket, or answers how long until one is
// there.
func (l *limiter) take(key string) time.Duration {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= maxBuckets {
			l.prune(now)
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return 0
	}
	return time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}

// prune drops the buckets that have refilled: forgetting them changes
// nothing.
func (l *limiter) prune(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
}

// clientKey identifies the caller: the hash of its bearer key, else its
// address.
func clientKey(r *http.Request) string {
	if key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && key != "" {
		return "key:" + webhook.HashKey(strings.TrimSpace(key))
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return "addr:" + host
}
