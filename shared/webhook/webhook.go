package webhook

import (
	"encoding/json"
	"time"
)

// Tenant is a customer of the platform; every webhook, event and delivery
// belongs to exactly one.
type Tenant struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// Key is a tenant API key. Only the SHA-256 hash of the plaintext is stored.
type Key struct {
	ID        string    `json:"id"`
	TenantID  string    `json:"tenant_id"`
	Hash      string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
}

// Webhook is a subscribed endpoint.
type Webhook struct {
	ID             string            `json:"id"`
	TenantID       string            `json:"tenant_id"`
	URL            string            `json:"url"`
	EventTypes     []string          `json:"event_types"`
	Description    string            `json:"description"`
	Headers        map[string]string `json:"headers"`
	Retry          bool              `json:"retry"`
	TimeoutMS      int               `json:"timeout_ms"`
	Enabled        bool              `json:"enabled"`
	DisabledReason string            `json:"disabled_reason"`
	CreatedAt      time.Time         `json:"created_at"`
	UpdatedAt      time.Time         `json:"updated_at"`
	Version        int               `json:"version"`

	// Secret signs every request; PreviousSecret also signs until
	// PreviousSecretExpiresAt, during a rotation.
	Secret                  string    `json:"-"`
	PreviousSecret          string    `json:"-"`
	PreviousSecretExpiresAt time.Time `json:"-"`

	// Health is the endpoint's failure streak (endpoint health and the
	// circuit breaker).
	Health Health `json:"-"`
}

// Subscribes reports whether the webhook wants events of the given type. A
// disabled webhook wants nothing.
func (w *Webhook) Subscribes(eventType string) bool {
	if !w.Enabled {
		return false
	}
	for _, p := range w.EventTypes {
		if Match(p, eventType) {
			return true
		}
	}
	return false
}

// Secrets returns the secrets that sign a request made at now: the current one
// and, during a rotation, the previous one.
func (w *Webhook) Secrets(now time.Time) []string {
	if w.PreviousSecret != "" && now.Before(w.PreviousSecretExpiresAt) {
		return []string{w.Secret, w.PreviousSecret}
	}
	return []string{w.Secret}
}

// Timeout is the time an attempt may take.
func (w *Webhook) Timeout() time.Duration {
	return time.Duration(w.TimeoutMS) * time.Millisecond
}

// Event is a published business event. Data is kept exactly as published.
type Event struct {
	ID        string          `json:"id"`
	TenantID  string          `json:"-"`
	Type      string          `json:"type"`
	Timestamp time.Time       `json:"timestamp"`
	Data      json.RawMessage `json:"data"`
	// Only, when set, names the one webhook this event is for (a test
	// event): fan-out leaves it alone and the API delivers it directly.
	Only string `json:"-"`
}

// Payload is the request body delivered to every endpoint:
// {"id","type","timestamp","data"}.
func (e *Event) Payload() []byte {
	b, _ := json.Marshal(struct {
		ID        string          `json:"id"`
		Type      string          `json:"type"`
		Timestamp string          `json:"timestamp"`
		Data      json.RawMessage `json:"data"`
	}{e.ID, e.Type, e.Timestamp.UTC().Format(time.RFC3339), e.Data})
	return b
}

// Delivery statuses.
const (
	StatusPending   = "pending"
	StatusSucceeded = "succeeded"
	StatusFailed    = "failed"
)

// Delivery is one event on its way to one webhook. Its ID is the webhook-id
// header of every attempt.
type Delivery struct {
	ID            string    `json:"id"`
	TenantID      string    `json:"-"`
	EventID       string    `json:"event_id"`
	EventType     string    `json:"event_type"`
	WebhookID     string    `json:"webhook_id"`
	Status        string    `json:"status"`
	NextAttemptAt time.Time `json:"next_attempt_at"`
	CreatedAt     time.Time `json:"created_at"`
	Attempts      []Attempt `json:"attempts"`
	// Message is the id of the queue message that owns the delivery's
	// automatic attempts; copies of other messages are duplicates.
	Message string `json:"-"`
}

// Attempt is one HTTP request of a delivery, as recorded in the request log.
type Attempt struct {
	Attempt      int       `json:"attempt"`
	StartedAt    time.Time `json:"started_at"`
	DurationMS   int64     `json:"duration_ms"`
	StatusCode   int       `json:"status_code"`
	ResponseBody string    `json:"response_body"`
	Error        string    `json:"error"`
}

// Attempt errors, as recorded and logged.
const (
	ErrTimeout           = "timeout"
	ErrConnectionRefused = "connection_refused"
	ErrBlockedAddress    = "blocked_address"
	ErrTLS               = "tls"
	ErrDNS               = "dns"
	ErrRedirect          = "redirect"
	ErrHTTPStatus        = "http_status"
)

// MaxResponseBody is how many characters of a response the request log keeps.
const MaxResponseBody = 1000

// TruncateBody returns the first MaxResponseBody characters of a response
// body, cut on a character boundary.
func TruncateBody(body []byte) string {
	n := 0
	for i := range string(body) {
		if n == MaxResponseBody {
			return string(body[:i])
		}
		n++
	}
	return string(body)
}
