package dynamo

import (
	"encoding/json"
	"hash/fnv"
	"strconv"
	"time"

	"github.com/hookrelay/hookrelay/shared/schema"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

// The item types are the stored form of the domain types. Times are RFC 3339
// strings; expires_at is Unix seconds for DynamoDB TTL.

type tenantItem struct {
	ID        string    `dynamodbav:"id"`
	Name      string    `dynamodbav:"name"`
	CreatedAt time.Time `dynamodbav:"created_at"`
}

type keyItem struct {
	Hash      string    `dynamodbav:"hash"`
	ID        string    `dynamodbav:"id"`
	TenantID  string    `dynamodbav:"tenant_id"`
	CreatedAt time.Time `dynamodbav:"created_at"`
}

type webhookItem struct {
	TenantID                string            `dynamodbav:"tenant_id"`
	ID                      string            `dynamodbav:"id"`
	URL                     string            `dynamodbav:"url"`
	EventTypes              []string          `dynamodbav:"event_types"`
	Description             string            `dynamodbav:"description"`
	Headers                 map[string]string `dynamodbav:"headers"`
	Retry                   bool              `dynamodbav:"retry"`
	TimeoutMS               int               `dynamodbav:"timeout_ms"`
	Enabled                 bool              `dynamodbav:"enabled"`
	DisabledReason          string            `dynamodbav:"disabled_reason,omitempty"`
	CreatedAt               time.Time         `dynamodbav:"created_at"`
	UpdatedAt               time.Time         `dynamodbav:"updated_at"`
	Version                 int               `dynamodbav:"version"`
	Secret                  string            `dynamodbav:"secret"`
	PreviousSecret          string            `dynamodbav:"previous_secret,omitempty"`
	PreviousSecretExpiresAt time.Time         `dynamodbav:"previous_secret_expires_at,omitempty"`
	// The failure streak (webhook.Health), Unix milliseconds; absent while
	// the endpoint is healthy.
	FailingSince  int64 `dynamodbav:"failing_since,omitempty"`
	Failures      int   `dynamodbav:"failures,omitempty"`
	LastFailureAt int64 `dynamodbav:"last_failure_at,omitempty"`
	ProbeAt       int64 `dynamodbav:"probe_at,omitempty"`
}

func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

func (i webhookItem) health() webhook.Health {
	return webhook.Health{
		FailingSince: fromMillis(i.FailingSince), Failures: i.Failures,
		LastFailureAt: fromMillis(i.LastFailureAt), ProbeAt: fromMillis(i.ProbeAt),
	}
}

func toWebhookItem(w webhook.Webhook) webhookItem {
	return webhookItem{
		TenantID: w.TenantID, ID: w.ID, URL: w.URL, EventTypes: w.EventTypes,
		Description: w.Description, Headers: w.Headers, Retry: w.Retry,
		TimeoutMS: w.TimeoutMS, Enabled: w.Enabled, DisabledReason: w.DisabledReason,
		CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt, Version: w.Version,
		Secret: w.Secret, PreviousSecret: w.PreviousSecret,
		PreviousSecretExpiresAt: w.PreviousSecretExpiresAt,
		FailingSince:            millis(w.Health.FailingSince), Failures: w.Health.Failures,
		LastFailureAt: millis(w.Health.LastFailureAt), ProbeAt: millis(w.Health.ProbeAt),
	}
}

func (i webhookItem) webhook() webhook.Webhook {
	headers := i.Headers
	if headers == nil {
		headers = map[string]string{}
	}
	return webhook.Webhook{
		ID: i.ID, TenantID: i.TenantID, URL: i.URL, EventTypes: i.EventTypes,
		Description: i.Description, Headers: headers, Retry: i.Retry,
		TimeoutMS: i.TimeoutMS, Enabled: i.Enabled, DisabledReason: i.DisabledReason,
		CreatedAt: i.CreatedAt, UpdatedAt: i.UpdatedAt, Version: i.Version,
		Secret: i.Secret, PreviousSecret: i.PreviousSecret,
		PreviousSecretExpiresAt: i.PreviousSecretExpiresAt,
		Health:                  i.health(),
	}
}

type eventItem struct {
	TenantID   string    `dynamodbav:"tenant_id"`
	ID         string    `dynamodbav:"id"`
	Type       string    `dynamodbav:"type"`
	Timestamp  time.Time `dynamodbav:"timestamp"`
	Data       string    `dynamodbav:"data"`
	TypeKey    string    `dynamodbav:"type_key"`
	CreatedKey string    `dynamodbav:"created_key"`
	ExpiresAt  int64     `dynamodbav:"expires_at"`
	Only       string    `dynamodbav:"only,omitempty"`
}

func toEventItem(e webhook.Event) eventItem {
	return eventItem{
		TenantID: e.TenantID, ID: e.ID, Type: e.Type, Timestamp: e.Timestamp,
		Data:       string(e.Data),
		TypeKey:    e.TenantID + "#" + e.Type,
		CreatedKey: createdKey(e.Timestamp, e.ID),
		ExpiresAt:  e.Timestamp.Add(retention).Unix(),
		Only:       e.Only,
	}
}

func (i eventItem) event() webhook.Event {
	return webhook.Event{ID: i.ID, TenantID: i.TenantID, Type: i.Type, Timestamp: i.Timestamp, Data: json.RawMessage(i.Data), Only: i.Only}
}

type attemptItem struct {
	Attempt      int       `dynamodbav:"attempt"`
	StartedAt    time.Time `dynamodbav:"started_at"`
	DurationMS   int64     `dynamodbav:"duration_ms"`
	StatusCode   int       `dynamodbav:"status_code"`
	ResponseBody string    `dynamodbav:"response_body"`
	Error        string    `dynamodbav:"error"`
}

type deliveryItem struct {
	TenantID      string        `dynamodbav:"tenant_id"`
	ID            string        `dynamodbav:"id"`
	EventID       string        `dynamodbav:"event_id"`
	EventType     string        `dynamodbav:"event_type"`
	WebhookID     string        `dynamodbav:"webhook_id"`
	Status        string        `dynamodbav:"status"`
	NextAttemptAt time.Time     `dynamodbav:"next_attempt_at"`
	CreatedAt     time.Time     `dynamodbav:"created_at"`
	AttemptCount  int           `dynamodbav:"attempt_count"`
	Attempts      []attemptItem `dynamodbav:"attempts"`
	WebhookKey    string        `dynamodbav:"webhook_key"`
	EventKey      string        `dynamodbav:"event_key"`
	CreatedKey    string        `dynamodbav:"created_key"`
	ExpiresAt     int64         `dynamodbav:"expires_at"`
	Message       string        `dynamodbav:"message,omitempty"`
	PendingKey    string        `dynamodbav:"pending_key,omitempty"`
	PendingDue    string        `dynamodbav:"pending_due,omitempty"`
}

func toDeliveryItem(d webhook.Delivery) deliveryItem {
	attempts := make([]attemptItem, len(d.Attempts))
	for i, a := range d.Attempts {
		attempts[i] = attemptItem(a)
	}
	it := deliveryItem{
		TenantID: d.TenantID, ID: d.ID, EventID: d.EventID, EventType: d.EventType,
		WebhookID: d.WebhookID, Status: d.Status, NextAttemptAt: d.NextAttemptAt,
		CreatedAt: d.CreatedAt, AttemptCount: len(d.Attempts), Attempts: attempts,
		WebhookKey: d.TenantID + "#" + d.WebhookID,
		EventKey:   d.TenantID + "#" + d.EventID,
		CreatedKey: createdKey(d.CreatedAt, d.ID),
		ExpiresAt:  d.CreatedAt.Add(retention).Unix(),
		Message:    d.Message,
	}
	if d.Status == webhook.StatusPending {
		it.PendingKey, it.PendingDue = pendingKey(d.ID), dueKey(d.NextAttemptAt)
	}
	return it
}

// pendingKey is the by_pending partition of a delivery: a stable shard of
// its id.
func pendingKey(deliveryID string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(deliveryID))
	return "p" + strconv.Itoa(int(h.Sum32()%schema.PendingShards))
}

// dueKey writes a time so that lexical order is time order.
func dueKey(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z") }

func (i deliveryItem) delivery() webhook.Delivery {
	attempts := make([]webhook.Attempt, len(i.Attempts))
	for n, a := range i.Attempts {
		attempts[n] = webhook.Attempt(a)
	}
	return webhook.Delivery{
		ID: i.ID, TenantID: i.TenantID, EventID: i.EventID, EventType: i.EventType,
		WebhookID: i.WebhookID, Status: i.Status, NextAttemptAt: i.NextAttemptAt,
		CreatedAt: i.CreatedAt, Attempts: attempts, Message: i.Message,
	}
}

// createdKey sorts by time, then id: a fixed-width UTC timestamp keeps the
// lexical order equal to the time order.
func createdKey(t time.Time, id string) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000000Z") + "#" + id
}
