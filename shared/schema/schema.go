// Package schema defines hookrelay's DynamoDB tables and SQS queues once, as
// plain data. The CDK stack (infra) and the local runtime (infra/local) both
// build their resources from it, and the store and queue packages read the
// attribute and index names from it, so the three cannot drift apart.
package schema

import (
	"os"
	"strings"
	"time"
)

// Attribute names shared by the table definitions and the store.
const (
	AttrID        = "id"
	AttrTenantID  = "tenant_id"
	AttrHash      = "hash"
	AttrExpiresAt = "expires_at"
	AttrWebhookPK = "webhook_key" // tenant_id#webhook_id
	AttrEventPK   = "event_key"   // tenant_id#event_id
	AttrCreated   = "created_key" // RFC 3339 creation time#id, sorts newest last
	AttrTypeKey   = "type_key"    // tenant_id#type
	AttrType      = "type"        // an event's type
	AttrOnly      = "only"        // a test event's one webhook
	// AttrPendingKey is present on a delivery only while it is pending:
	// one of PendingShards values ("p0"…), so the sparse by_pending index
	// holds exactly the pending deliveries, spread over a few partitions.
	AttrPendingKey = "pending_key"
	// AttrPendingDue is a pending delivery's next attempt time as a
	// fixed-width UTC string, the sort key of by_pending.
	AttrPendingDue = "pending_due"
)

// PendingShards is how many partitions the by_pending index spreads the
// pending deliveries over; the sweeper queries each.
const PendingShards = 8

// Index names.
const (
	IndexByWebhook = "by_webhook"
	IndexByEvent   = "by_event"
	IndexByType    = "by_type"
	// IndexByPending is sparse: only pending deliveries carry its keys.
	IndexByPending = "by_pending"
)

// KeyType is a DynamoDB key attribute type.
type KeyType string

// Key attribute types.
const (
	String KeyType = "S"
	Number KeyType = "N"
)

// Key is one key attribute.
type Key struct {
	Name string
	Type KeyType
}

// Projection is which attributes a global secondary index copies. DynamoDB
// writes an index (and bills the write) only when a table write changes an
// attribute the index holds: its keys or a projected attribute. So an
// index that holds only keys that never change costs one write per item
// created and none per update.
type Projection string

// Projections.
const (
	// ProjectAll copies every attribute: every update of the item is also a
	// write to the index.
	ProjectAll Projection = "ALL"
	// ProjectKeysOnly copies the table's and the index's keys; readers fetch
	// the items themselves by key.
	ProjectKeysOnly Projection = "KEYS_ONLY"
)

// Index is a global secondary index.
type Index struct {
	Name         string
	PartitionKey Key
	SortKey      *Key
	// Projection is which attributes the index copies; empty means
	// ProjectAll.
	Projection Projection
}

// ProjectionType is ix.Projection, ProjectAll when empty.
func (ix Index) ProjectionType() Projection {
	if ix.Projection == "" {
		return ProjectAll
	}
	return ix.Projection
}

// Table is one DynamoDB table. Billing is on demand everywhere.
type Table struct {
	// ID is the logical name: the CDK construct id and the suffix of the
	// physical table name.
	ID           string
	PartitionKey Key
	SortKey      *Key
	Indexes      []Index
	// Stream is true when the table has a stream of NEW_IMAGE records.
	Stream bool
	// TTLAttribute names the expiry attribute, or is empty.
	TTLAttribute string
}

// Names of the tables.
const (
	Tenants    = "tenants"
	Keys       = "keys"
	Webhooks   = "webhooks"
	Events     = "events"
	Deliveries = "deliveries"
)

// Tables returns every table hookrelay uses. Every hot path reads them with
// GetItem, Query or BatchGetItem; none needs a Scan.
func Tables() []Table {
	return []Table{
		{ID: Tenants, PartitionKey: Key{AttrID, String}},
		{ID: Keys, PartitionKey: Key{AttrHash, String}},
		{ID: Webhooks, PartitionKey: Key{AttrTenantID, String}, SortKey: &Key{AttrID, String}},
		{
			ID:           Events,
			PartitionKey: Key{AttrTenantID, String},
			SortKey:      &Key{AttrID, String},
			Indexes: []Index{
				{Name: IndexByType, PartitionKey: Key{AttrTypeKey, String}, SortKey: &Key{AttrCreated, String}},
			},
			Stream:       true,
			TTLAttribute: AttrExpiresAt,
		},
		{
			ID:           Deliveries,
			PartitionKey: Key{AttrTenantID, String},
			SortKey:      &Key{AttrID, String},
			// Every attempt updates a delivery (its attempts, status, next
			// attempt time). by_webhook and by_event hold only keys, which
			// never change, so an attempt writes neither: the lists query
			// them for keys and read the items with BatchGetItem (status
			// filter included). by_pending's keys change on every attempt
			// anyway (a new due time, or removal when the delivery leaves
			// pending), so its projection saves no write; it keeps ALL, which
			// the sweeper reads.
			Indexes: []Index{
				{Name: IndexByWebhook, PartitionKey: Key{AttrWebhookPK, String}, SortKey: &Key{AttrCreated, String}, Projection: ProjectKeysOnly},
				{Name: IndexByEvent, PartitionKey: Key{AttrEventPK, String}, SortKey: &Key{AttrCreated, String}, Projection: ProjectKeysOnly},
				{Name: IndexByPending, PartitionKey: Key{AttrPendingKey, String}, SortKey: &Key{AttrPendingDue, String}, Projection: ProjectAll},
			},
			TTLAttribute: AttrExpiresAt,
		},
	}
}

// Queue is an SQS queue. The delivery queue has a dead-letter queue.
type Queue struct {
	ID                string
	VisibilityTimeout time.Duration
	RetentionPeriod   time.Duration
	// DeadLetter names the dead-letter queue's ID, or is empty.
	DeadLetter      string
	MaxReceiveCount int
}

// Names of the queues.
const (
	DeliveryQueue   = "deliveries"
	DeadLetterQueue = "deliveries-dlq"
)

// DeliverTimeout is the deliver function's timeout: a batch of ten runs
// concurrently and one request may take up to 30 s.
const DeliverTimeout = 60 * time.Second

// ExtraReceives is how many receives beyond one per scheduled attempt a
// message may take before SQS moves it to the dead-letter queue by itself:
// room for crashes and early wake-ups. The deliver function normally
// dead-letters a message itself after its last attempt.
const ExtraReceives = 5

// Queues returns the delivery queue and its dead-letter queue. attempts is
// the length of the retry schedule.
func Queues(attempts int) []Queue {
	return []Queue{
		{
			ID:                DeliveryQueue,
			VisibilityTimeout: 6 * DeliverTimeout,
			RetentionPeriod:   14 * 24 * time.Hour,
			DeadLetter:        DeadLetterQueue,
			MaxReceiveCount:   MaxReceiveCount(attempts),
		},
		{ID: DeadLetterQueue, VisibilityTimeout: 6 * DeliverTimeout, RetentionPeriod: 14 * 24 * time.Hour},
	}
}

// MaxReceiveCount is the redrive policy's receive limit for a schedule of the
// given number of attempts.
func MaxReceiveCount(attempts int) int { return attempts + ExtraReceives }

// Retention is how long events and deliveries are kept (DynamoDB TTL).
const Retention = 30 * 24 * time.Hour

// Environment variables that name the physical resources in Lambda.
const (
	EnvTablePrefix = "HOOKRELAY_TABLE_PREFIX"
	EnvQueueURL    = "HOOKRELAY_QUEUE_URL"
	EnvDLQURL      = "HOOKRELAY_DLQ_URL"
)

// Environment variables of the Lambda functions' behaviour, set by the CDK
// stack (and read the same way by the local runtime).
const (
	EnvRetrySchedule       = "HOOKRELAY_RETRY_SCHEDULE"
	EnvAllowPrivateTargets = "HOOKRELAY_ALLOW_PRIVATE_TARGETS"
	// EnvAdminKeySecretARN names the Secrets Manager secret whose plaintext
	// is the admin API key (api function only).
	EnvAdminKeySecretARN = "HOOKRELAY_ADMIN_KEY_SECRET_ARN"
)

// DefaultPrefix is the physical-name prefix of the local runtime.
const DefaultPrefix = "hookrelay-"

// TableName returns the physical name of the table with the given ID:
// the prefix followed by the ID.
func TableName(prefix, id string) string { return prefix + id }

// PrefixFromEnv reads HOOKRELAY_TABLE_PREFIX, defaulting to DefaultPrefix.
func PrefixFromEnv() string {
	if p := strings.TrimSpace(os.Getenv(EnvTablePrefix)); p != "" {
		return p
	}
	return DefaultPrefix
}
