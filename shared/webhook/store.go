package webhook

import (
	"context"
	"time"
)

// Page asks for one page of a list.
type Page struct {
	Limit  int    // 1 to MaxPageLimit; 0 means DefaultPageLimit
	Cursor string // opaque; empty for the first page
}

// Paging limits.
const (
	DefaultPageLimit = 20
	MaxPageLimit     = 100
)

// DeliveryFilter narrows a delivery list.
type DeliveryFilter struct {
	Status string // empty for every status
}

// Store keeps tenants, keys, webhooks, events and deliveries. Every method
// that reads one thing answers an *Error with code ENotFound when it does not
// exist, including when it belongs to another tenant.
type Store interface {
	CreateTenant(ctx context.Context, t Tenant) error
	GetTenant(ctx context.Context, id string) (Tenant, error)

	CreateKey(ctx context.Context, k Key) error
	KeyByHash(ctx context.Context, hash string) (Key, error)

	CreateWebhook(ctx context.Context, w Webhook) error
	GetWebhook(ctx context.Context, tenantID, id string) (Webhook, error)
	// EventAndWebhook reads an event and a webhook of a tenant together,
	// in one request: what a delivery attempt needs. Either one missing is
	// ENotFound.
	EventAndWebhook(ctx context.Context, tenantID, eventID, webhookID string) (Event, Webhook, error)
	// AttemptReads reads what the attempts of a batch of queue messages
	// need — their deliveries, events and webhooks, each item once — in as
	// few requests as the store allows (one for a deliver batch). Items
	// that do not exist are absent from the answer, not an error.
	AttemptReads(ctx context.Context, msgs []Message) (AttemptData, error)
	ListWebhooks(ctx context.Context, tenantID string, p Page) ([]Webhook, string, error)
	// TenantWebhooks returns every webhook of a tenant, for fan-out.
	TenantWebhooks(ctx context.Context, tenantID string) ([]Webhook, error)
	DeleteWebhook(ctx context.Context, tenantID, id string) error

	// PutEvent stores e unless an event with its id exists; then it returns
	// the stored one and created=false.
	PutEvent(ctx context.Context, e Event) (stored Event, created bool, err error)
	GetEvent(ctx context.Context, tenantID, id string) (Event, error)

	// CreateDelivery stores d unless a delivery with its id exists; created
	// says which. An existing one is returned as stored.
	CreateDelivery(ctx context.Context, d Delivery) (stored Delivery, created bool, err error)
	// CreateDeliveries stores those of ds whose ids do not exist yet and
	// returns them as created, the others as stored (existing). It checks,
	// then writes without a condition: it is safe only while no other
	// writer creates or changes the same deliveries, as in fan-out of one
	// stream batch. No id may appear twice in ds.
	CreateDeliveries(ctx context.Context, ds []Delivery) (created, existing []Delivery, err error)
	GetDelivery(ctx context.Context, tenantID, id string) (Delivery, error)
	ListDeliveries(ctx context.Context, tenantID, webhookID string, f DeliveryFilter, p Page) ([]Delivery, string, error)
	EventDeliveries(ctx context.Context, tenantID, eventID string) ([]Delivery, error)
	// RecordAttempt appends u.Attempt to a delivery and sets its status and
	// next attempt time. It fails with EConflict unless the delivery has
	// exactly u.Attempt.Attempt-1 attempts, so a duplicate message cannot
	// record the same attempt twice.
	RecordAttempt(ctx context.Context, tenantID, deliveryID string, u AttemptUpdate) error
	// UpdateWebhook replaces a webhook provided its stored version is still
	// prev; otherwise it fails with EConflict (or ENotFound when it is gone).
	UpdateWebhook(ctx context.Context, w Webhook, prev int) error
	// LatestEvent returns the tenant's newest event of a type, or ENotFound.
	LatestEvent(ctx context.Context, tenantID, eventType string) (Event, error)
	// DeliveriesSince returns a webhook's deliveries created at or after
	// since, newest first.
	DeliveriesSince(ctx context.Context, tenantID, webhookID string, f DeliveryFilter, since time.Time) ([]Delivery, error)
}

// AttemptUpdate is what one attempt changes on its delivery.
type AttemptUpdate struct {
	Attempt       Attempt
	Status        string
	NextAttemptAt time.Time
	// Message is the id of the queue message that made the attempt; it owns
	// the delivery's later automatic attempts.
	Message string
}

// Ref names one item of a tenant.
type Ref struct{ TenantID, ID string }

// AttemptData is what Store.AttemptReads found, keyed by tenant and id.
type AttemptData struct {
	Deliveries map[Ref]Delivery
	Events     map[Ref]Event
	Webhooks   map[Ref]Webhook
}

// Delivery answers m's delivery, ENotFound when it does not exist.
func (a AttemptData) Delivery(m Message) (Delivery, error) {
	d, ok := a.Deliveries[Ref{m.TenantID, m.DeliveryID}]
	if !ok {
		return Delivery{}, Errorf(ENotFound, "delivery %q not found", m.DeliveryID)
	}
	return d, nil
}

// EventAndWebhook answers m's event and webhook as Store.EventAndWebhook
// does: either one missing is ENotFound, the event checked first.
func (a AttemptData) EventAndWebhook(m Message) (Event, Webhook, error) {
	e, ok := a.Events[Ref{m.TenantID, m.EventID}]
	if !ok {
		return Event{}, Webhook{}, Errorf(ENotFound, "event %q not found", m.EventID)
	}
	w, ok := a.Webhooks[Ref{m.TenantID, m.WebhookID}]
	if !ok {
		return Event{}, Webhook{}, Errorf(ENotFound, "webhook %q not found", m.WebhookID)
	}
	return e, w, nil
}

// Message is what the delivery queue carries: references, never the payload.
type Message struct {
	DeliveryID string `json:"d"`
	TenantID   string `json:"t"`
	EventID    string `json:"e"`
	WebhookID  string `json:"w"`
	// Manual marks a one-off attempt (a manual retry or a redrive): it is
	// made whatever the delivery's status, and a failure is final.
	Manual bool `json:"m,omitempty"`
	// Sweep marks a message the sweeper sent for a delivery whose automatic
	// attempt is overdue: it takes the delivery over from a lost owner, but
	// only while the delivery is still pending and overdue by the grace.
	Sweep bool `json:"s,omitempty"`
	// Owner, on a copy that the circuit breaker sent in place of a held-back
	// message, is the id of the owning message it stands in for.
	Owner string `json:"o,omitempty"`
}

// Queue is the delivery queue.
type Queue interface {
	// Enqueue sends messages for immediate delivery.
	Enqueue(ctx context.Context, msgs []Message) error
	// Delay hides a received message for d before it is delivered again.
	Delay(ctx context.Context, receiptHandle string, d time.Duration) error
	// Defer sends m again, to be delivered after d (at most 15 minutes);
	// the caller then deletes the message it replaces, so waiting does not
	// count as a receive against the redrive policy.
	Defer(ctx context.Context, m Message, d time.Duration) error
	// DeadLetter puts a message whose delivery has failed for good into the
	// dead-letter queue.
	DeadLetter(ctx context.Context, m Message) error
	// Redrive moves every dead letter back to the delivery queue marked
	// Manual (one more attempt each) and answers how many it moved; it stops
	// early, without error, when ctx is done.
	Redrive(ctx context.Context) (moved int, err error)
}
