package client

import (
	"encoding/json"
	"time"
)

// Tenant is a tenant as answered.
type Tenant struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// Key is a new tenant key; Key is shown only once.
type Key struct {
	ID       string `json:"id"`
	TenantID string `json:"tenant_id"`
	Key      string `json:"key"`
}

// Webhook is a webhook as answered. Secret is set only in the answers to a
// create and a rotation.
type Webhook struct {
	ID                      string            `json:"id"`
	TenantID                string            `json:"tenant_id,omitempty"`
	URL                     string            `json:"url"`
	EventTypes              []string          `json:"event_types"`
	Description             string            `json:"description"`
	Headers                 map[string]string `json:"headers"`
	Retry                   bool              `json:"retry"`
	TimeoutMS               int               `json:"timeout_ms"`
	Enabled                 bool              `json:"enabled"`
	DisabledReason          string            `json:"disabled_reason"`
	CreatedAt               time.Time         `json:"created_at"`
	UpdatedAt               time.Time         `json:"updated_at"`
	Version                 int               `json:"version,omitempty"`
	Secret                  string            `json:"secret,omitempty"`
	PreviousSecretExpiresAt *time.Time        `json:"previous_secret_expires_at,omitempty"`
}

// WebhookInput is the body of a create or a change: nil fields are left out
// (a create gives them their defaults, a change leaves them as they are).
type WebhookInput struct {
	URL         *string            `json:"url,omitempty"`
	EventTypes  *[]string          `json:"event_types,omitempty"`
	Description *string            `json:"description,omitempty"`
	Headers     *map[string]string `json:"headers,omitempty"`
	Retry       *bool              `json:"retry,omitempty"`
	TimeoutMS   *int               `json:"timeout_ms,omitempty"`
	Enabled     *bool              `json:"enabled,omitempty"`
	Secret      *string            `json:"secret,omitempty"`
	// Version, when set, makes a change apply only to that version (else 409).
	Version *int `json:"version,omitempty"`
}

// Event is a published event; Deliveries is set by GetEvent.
type Event struct {
	ID         string          `json:"id"`
	Type       string          `json:"type"`
	Timestamp  time.Time       `json:"timestamp"`
	Data       json.RawMessage `json:"data,omitempty"`
	Deliveries []Delivery      `json:"deliveries,omitempty"`
}

// Delivery is one event's delivery to one webhook, with its attempts.
type Delivery struct {
	ID            string     `json:"id"`
	EventID       string     `json:"event_id"`
	EventType     string     `json:"event_type"`
	WebhookID     string     `json:"webhook_id"`
	Status        string     `json:"status"`
	NextAttemptAt *time.Time `json:"next_attempt_at"`
	CreatedAt     time.Time  `json:"created_at"`
	Attempts      []Attempt  `json:"attempts"`
}

// Attempt is one POST of a delivery.
type Attempt struct {
	Attempt      int       `json:"attempt"`
	StartedAt    time.Time `json:"started_at"`
	DurationMS   int64     `json:"duration_ms"`
	StatusCode   int       `json:"status_code"`
	ResponseBody string    `json:"response_body"`
	Error        string    `json:"error"`
}

// Page is one page of a list.
type Page[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

// TestResult is the answer to a webhook test.
type TestResult struct {
	DeliveryID string `json:"delivery_id"`
	EventID    string `json:"event_id,omitempty"`
}
