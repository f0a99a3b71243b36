// Package dynamo implements webhook.Store over Amazon DynamoDB with
// aws-sdk-go-v2. Table, attribute and index names come from shared/schema.
package dynamo

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hookrelay/hookrelay/shared/schema"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

const retention = schema.Retention

// API is the part of the DynamoDB client the store uses.
type API interface {
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	BatchGetItem(context.Context, *dynamodb.BatchGetItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	BatchWriteItem(context.Context, *dynamodb.BatchWriteItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
}

// Store is a webhook.Store backed by DynamoDB.
type Store struct {
	db     API
	tables map[string]string // table ID → physical name
}

var _ webhook.Store = (*Store)(nil)

// New returns a store over the tables whose physical names are prefix+ID.
func New(db API, prefix string) *Store {
	s := &Store{db: db, tables: map[string]string{}}
	for _, t := range schema.Tables() {
		s.tables[t.ID] = schema.TableName(prefix, t.ID)
	}
	return s
}

func (s *Store) table(id string) *string { return aws.String(s.tables[id]) }

func str(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func notFound(what, id string) error {
	return webhook.Errorf(webhook.ENotFound, "%s %q not found", what, id)
}

func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// CreateTenant stores a new tenant; an existing id is a conflict.
func (s *Store) CreateTenant(ctx context.Context, t webhook.Tenant) error {
	return s.putNew(ctx, schema.Tenants, tenantItem(t), schema.AttrID,
		webhook.Errorf(webhook.EConflict, "tenant %q already exists", t.ID))
}

// putNew stores v in a table unless an item with its key (keyAttr) exists;
// then it answers conflict.
func (s *Store) putNew(ctx context.Context, table string, v any, keyAttr string, conflict *webhook.Error) error {
	item, err := attributevalue.MarshalMap(v)
	if err != nil {
		return fmt.Errorf("dynamo: marshal %s item: %w", table, err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                s.table(table),
		Item:                     item,
		ConditionExpression:      aws.String("attribute_not_exists(#k)"),
		ExpressionAttributeNames: map[string]string{"#k": keyAttr},
	})
	if isConditionFailed(err) {
		return conflict
	}
	if err != nil {
		return fmt.Errorf("dynamo: put into %s: %w", table, err)
	}
	return nil
}

// GetTenant reads one tenant.
func (s *Store) GetTenant(ctx context.Context, id string) (webhook.Tenant, error) {
	var it tenantItem
	found, err := s.get(ctx, schema.Tenants, map[string]types.AttributeValue{schema.AttrID: str(id)}, &it)
	if err != nil {
		return webhook.Tenant{}, err
	}
	if !found {
		return webhook.Tenant{}, notFound("tenant", id)
	}
	return webhook.Tenant(it), nil
}

// CreateKey stores a tenant key by the hash of its plaintext.
func (s *Store) CreateKey(ctx context.Context, k webhook.Key) error {
	return s.putNew(ctx, schema.Keys, keyItem{Hash: k.Hash, ID: k.ID, TenantID: k.TenantID, CreatedAt: k.CreatedAt}, schema.AttrHash,
		webhook.Errorf(webhook.EConflict, "key already exists"))
}

// KeyByHash finds the key whose plaintext hashes to hash.
func (s *Store) KeyByHash(ctx context.Context, hash string) (webhook.Key, error) {
	var it keyItem
	found, err := s.get(ctx, schema.Keys, map[string]types.AttributeValue{schema.AttrHash: str(hash)}, &it)
	if err != nil {
		return webhook.Key{}, err
	}
	if !found {
		return webhook.Key{}, webhook.Errorf(webhook.ENotFound, "key not found")
	}
	return webhook.Key{ID: it.ID, TenantID: it.TenantID, Hash: it.Hash, CreatedAt: it.CreatedAt}, nil
}

// get reads one item into out and reports whether it exists.
func (s *Store) get(ctx context.Context, table string, key map[string]types.AttributeValue, out any) (bool, error) {
	res, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: s.table(table), Key: key})
	if err != nil {
		return false, fmt.Errorf("dynamo: get from %s: %w", table, err)
	}
	if res.Item == nil {
		return false, nil
	}
	if err := attributevalue.UnmarshalMap(res.Item, out); err != nil {
		return false, fmt.Errorf("dynamo: unmarshal %s item: %w", table, err)
	}
	return true, nil
}

func tenantKey(tenantID, id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{schema.AttrTenantID: str(tenantID), schema.AttrID: str(id)}
}

// CreateWebhook stores a new webhook.
func (s *Store) CreateWebhook(ctx context.Context, w webhook.Webhook) error {
	return s.putNew(ctx, schema.Webhooks, toWebhookItem(w), schema.AttrID,
		webhook.Errorf(webhook.EConflict, "webhook %q already exists", w.ID))
}

// GetWebhook reads one webhook of a tenant.
func (s *Store) GetWebhook(ctx context.Context, tenantID, id string) (webhook.Webhook, error) {
	var it webhookItem
	found, err := s.get(ctx, schema.Webhooks, tenantKey(tenantID, id), &it)
	if err != nil {
		return webhook.Webhook{}, err
	}
	if !found {
		return webhook.Webhook{}, notFound("webhook", id)
	}
	return it.webhook(), nil
}

// ListWebhooks lists a tenant's webhooks, oldest first.
func (s *Store) ListWebhooks(ctx context.Context, tenantID string, p webhook.Page) ([]webhook.Webhook, string, error) {
	var items []webhookItem
	next, err := s.queryPage(ctx, pageQuery{
		table: schema.Webhooks, pkName: schema.AttrTenantID, pkValue: tenantID, forward: true,
	}, p, func(n int) any { items = make([]webhookItem, 0, n); return &items })
	if err != nil {
		return nil, "", err
	}
	out := make([]webhook.Webhook, len(items))
	for i, it := range items {
		out[i] = it.webhook()
	}
	return out, next, nil
}

// TenantWebhooks returns every webhook of a tenant.
func (s *Store) TenantWebhooks(ctx context.Context, tenantID string) ([]webhook.Webhook, error) {
	raw, err := s.queryItems(ctx, &dynamodb.QueryInput{
		TableName:                 s.table(schema.Webhooks),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": schema.AttrTenantID},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(tenantID)},
	}, 0)
	if err != nil {
		return nil, fmt.Errorf("dynamo: query webhooks: %w", err)
	}
	var items []webhookItem
	if err := attributevalue.UnmarshalListOfMaps(raw, &items); err != nil {
		return nil, fmt.Errorf("dynamo: unmarshal webhooks: %w", err)
	}
	out := make([]webhook.Webhook, len(items))
	for i, it := range items {
		out[i] = it.webhook()
	}
	return out, nil
}

// queryItems runs a query page by page until its items end or max items
// have been read (max <= 0: no bound) and returns them as stored.
func (s *Store) queryItems(ctx context.Context, in *dynamodb.QueryInput, max int) ([]map[string]types.AttributeValue, error) {
	var out []map[string]types.AttributeValue
	for max <= 0 || len(out) < max {
		if max > 0 {
			in.Limit = aws.Int32(int32(max - len(out)))
		}
		res, err := s.db.Query(ctx, in)
		if err != nil {
			return out, err
		}
		out = append(out, res.Items...)
		if len(res.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = res.LastEvaluatedKey
	}
	return out, nil
}

// toDeliveries reads stored delivery items.
func toDeliveries(raw []map[string]types.AttributeValue) ([]webhook.Delivery, error) {
	var items []deliveryItem
	if err := attributevalue.UnmarshalListOfMaps(raw, &items); err != nil {
		return nil, fmt.Errorf("dynamo: unmarshal deliveries: %w", err)
	}
	out := make([]webhook.Delivery, len(items))
	for i, it := range items {
		out[i] = it.delivery()
	}
	return out, nil
}

// DeleteWebhook removes a webhook of a tenant.
func (s *Store) DeleteWebhook(ctx context.Context, tenantID, id string) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:           s.table(schema.Webhooks),
		Key:                 tenantKey(tenantID, id),
		ConditionExpression: aws.String("attribute_exists(id)"),
	})
	if isConditionFailed(err) {
		return notFound("webhook", id)
	}
	if err != nil {
		return fmt.Errorf("dynamo: delete webhook: %w", err)
	}
	return nil
}

// PutEvent stores an event unless one with its id exists, which it returns.
func (s *Store) PutEvent(ctx context.Context, e webhook.Event) (webhook.Event, bool, error) {
	item, err := attributevalue.MarshalMap(toEventItem(e))
	if err != nil {
		return webhook.Event{}, false, fmt.Errorf("dynamo: marshal event: %w", err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                           s.table(schema.Events),
		Item:                                item,
		ConditionExpression:                 aws.String("attribute_not_exists(id)"),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		var old eventItem
		if len(ccf.Item) == 0 {
			stored, err := s.GetEvent(ctx, e.TenantID, e.ID)
			return stored, false, err
		}
		if err := attributevalue.UnmarshalMap(ccf.Item, &old); err != nil {
			return webhook.Event{}, false, fmt.Errorf("dynamo: unmarshal event: %w", err)
		}
		return old.event(), false, nil
	}
	if err != nil {
		return webhook.Event{}, false, fmt.Errorf("dynamo: put event: %w", err)
	}
	return e, true, nil
}

// GetEvent reads one event of a tenant.
func (s *Store) GetEvent(ctx context.Context, tenantID, id string) (webhook.Event, error) {
	var it eventItem
	found, err := s.get(ctx, schema.Events, tenantKey(tenantID, id), &it)
	if err != nil {
		return webhook.Event{}, err
	}
	if !found {
		return webhook.Event{}, notFound("event", id)
	}
	return it.event(), nil
}

// CreateDelivery stores a delivery unless one with its id exists.
func (s *Store) CreateDelivery(ctx context.Context, d webhook.Delivery) (webhook.Delivery, bool, error) {
	item, err := attributevalue.MarshalMap(toDeliveryItem(d))
	if err != nil {
		return webhook.Delivery{}, false, fmt.Errorf("dynamo: marshal delivery: %w", err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                           s.table(schema.Deliveries),
		Item:                                item,
		ConditionExpression:                 aws.String("attribute_not_exists(id)"),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		if len(ccf.Item) == 0 {
			stored, err := s.GetDelivery(ctx, d.TenantID, d.ID)
			return stored, false, err
		}
		var old deliveryItem
		if err := attributevalue.UnmarshalMap(ccf.Item, &old); err != nil {
			return webhook.Delivery{}, false, fmt.Errorf("dynamo: unmarshal delivery: %w", err)
		}
		return old.delivery(), false, nil
	}
	if err != nil {
		return webhook.Delivery{}, false, fmt.Errorf("dynamo: put delivery: %w", err)
	}
	return d, true, nil
}

// GetDelivery reads one delivery of a tenant with all its attempts.
func (s *Store) GetDelivery(ctx context.Context, tenantID, id string) (webhook.Delivery, error) {
	var it deliveryItem
	found, err := s.get(ctx, schema.Deliveries, tenantKey(tenantID, id), &it)
	if err != nil {
		return webhook.Delivery{}, err
	}
	if !found {
		return webhook.Delivery{}, notFound("delivery", id)
	}
	return it.delivery(), nil
}

// ListDeliveries lists a webhook's deliveries, newest first.
func (s *Store) ListDeliveries(ctx context.Context, tenantID, webhookID string, f webhook.DeliveryFilter, p webhook.Page) ([]webhook.Delivery, string, error) {
	// by_webhook holds keys only: each page of index entries is read in
	// full, and filtered by status, before it counts towards the page, so
	// pages and cursors are what a filter expression on the query gave.
	q := pageQuery{
		table: schema.Deliveries, index: schema.IndexByWebhook,
		pkName: schema.AttrWebhookPK, pkValue: tenantID + "#" + webhookID,
		fetch: func(ctx context.Context, entries []map[string]types.AttributeValue) ([]map[string]types.AttributeValue, error) {
			return s.fullDeliveries(ctx, entries, f.Status)
		},
	}
	var items []deliveryItem
	next, err := s.queryPage(ctx, q, p, func(n int) any { items = make([]deliveryItem, 0, n); return &items })
	if err != nil {
		return nil, "", err
	}
	out := make([]webhook.Delivery, len(items))
	for i, it := range items {
		out[i] = it.delivery()
	}
	return out, next, nil
}

// EventDeliveries returns every delivery of one event.
func (s *Store) EventDeliveries(ctx context.Context, tenantID, eventID string) ([]webhook.Delivery, error) {
	in := &dynamodb.QueryInput{
		TableName:                 s.table(schema.Deliveries),
		IndexName:                 aws.String(schema.IndexByEvent),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": schema.AttrEventPK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(tenantID + "#" + eventID)},
	}
	entries, err := s.queryItems(ctx, in, 0) // by_event holds keys only
	if err != nil {
		return nil, fmt.Errorf("dynamo: query event deliveries: %w", err)
	}
	full, err := s.fullDeliveries(ctx, entries, "")
	if err != nil {
		return nil, err
	}
	return toDeliveries(full)
}

// RecordAttempt appends an attempt and sets the delivery's status, guarded by
// the attempt count so that the same attempt is never recorded twice.
func (s *Store) RecordAttempt(ctx context.Context, tenantID, deliveryID string, u webhook.AttemptUpdate) error {
	a := u.Attempt
	av, err := attributevalue.Marshal(attemptItem(a))
	if err != nil {
		return fmt.Errorf("dynamo: marshal attempt: %w", err)
	}
	nextAV, err := attributevalue.Marshal(u.NextAttemptAt)
	if err != nil {
		return fmt.Errorf("dynamo: marshal time: %w", err)
	}
	values := map[string]types.AttributeValue{
		":a":    &types.AttributeValueMemberL{Value: []types.AttributeValue{av}},
		":n":    &types.AttributeValueMemberN{Value: strconv.Itoa(a.Attempt)},
		":prev": &types.AttributeValueMemberN{Value: strconv.Itoa(a.Attempt - 1)},
		":s":    str(u.Status),
		":next": nextAV,
		":m":    str(u.Message),
	}
	// The by_pending index keys exist only while the delivery is pending.
	update := "SET attempts = list_append(attempts, :a), attempt_count = :n, #status = :s, next_attempt_at = :next, message = :m"
	if u.Status == webhook.StatusPending {
		update += ", pending_key = :pk, pending_due = :due"
		values[":pk"], values[":due"] = str(pendingKey(deliveryID)), str(dueKey(u.NextAttemptAt))
	} else {
		update += " REMOVE pending_key, pending_due"
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 s.table(schema.Deliveries),
		Key:                       tenantKey(tenantID, deliveryID),
		UpdateExpression:          aws.String(update),
		ConditionExpression:       aws.String("attempt_count = :prev"),
		ExpressionAttributeNames:  map[string]string{"#status": "status"},
		ExpressionAttributeValues: values,
	})
	if isConditionFailed(err) {
		return webhook.Errorf(webhook.EConflict, "delivery %q: attempt %d is already recorded or out of order", deliveryID, a.Attempt)
	}
	if err != nil {
		return fmt.Errorf("dynamo: record attempt: %w", err)
	}
	return nil
}

// pageQuery describes one paginated Query.
type pageQuery struct {
	table, index    string
	pkName, pkValue string
	forward         bool
	// fetch, if set, turns each page of a KEYS_ONLY index's entries into
	// the items to answer (read in full, maybe fewer), in order.
	fetch func(ctx context.Context, entries []map[string]types.AttributeValue) ([]map[string]types.AttributeValue, error)
}

// queryPage runs q for one page of at most p.Limit items, unmarshalled into
// what alloc returns, and answers the cursor of the next page ("" at the end).
// When fetch drops entries it keeps reading until the page is full or the
// items end.
func (s *Store) queryPage(ctx context.Context, q pageQuery, p webhook.Page, alloc func(n int) any) (string, error) {
	limit := p.Limit
	if limit <= 0 {
		limit = webhook.DefaultPageLimit
	}
	start, err := decodeCursor(p.Cursor, q.pkName, q.pkValue)
	if err != nil {
		return "", err
	}
	if err := checkCursorKeys(start, q); err != nil {
		return "", err
	}
	names := map[string]string{"#pk": q.pkName}
	values := map[string]types.AttributeValue{":pk": str(q.pkValue)}
	in := &dynamodb.QueryInput{
		TableName:                 s.table(q.table),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
		ScanIndexForward:          aws.Bool(q.forward),
		ExclusiveStartKey:         start,
	}
	if q.index != "" {
		in.IndexName = aws.String(q.index)
	}
	var raw []map[string]types.AttributeValue
	var last map[string]types.AttributeValue
	for len(raw) < limit {
		in.Limit = aws.Int32(int32(limit - len(raw)))
		res, err := s.db.Query(ctx, in)
		if err != nil {
			return "", fmt.Errorf("dynamo: query %s: %w", q.table, err)
		}
		items := res.Items
		if q.fetch != nil {
			if items, err = q.fetch(ctx, items); err != nil {
				return "", err
			}
		}
		raw = append(raw, items...)
		last = res.LastEvaluatedKey
		if len(last) == 0 {
			break
		}
		in.ExclusiveStartKey = last
	}
	if err := attributevalue.UnmarshalListOfMaps(raw, alloc(len(raw))); err != nil {
		return "", fmt.Errorf("dynamo: unmarshal %s: %w", q.table, err)
	}
	return encodeCursor(last)
}

// A cursor is the base64url JSON of the last evaluated key (string values).
func encodeCursor(key map[string]types.AttributeValue) (string, error) {
	if len(key) == 0 {
		return "", nil
	}
	m := make(map[string]string, len(key))
	for k, v := range key {
		s, ok := v.(*types.AttributeValueMemberS)
		if !ok {
			return "", fmt.Errorf("dynamo: key attribute %s is not a string", k)
		}
		m[k] = s.Value
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("dynamo: encode cursor: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// decodeCursor reads a cursor and checks that it belongs to the partition
// being listed, so a cursor can never reach into another tenant's items.
func decodeCursor(cursor, pkName, pkValue string) (map[string]types.AttributeValue, error) {
	if cursor == "" {
		return nil, nil
	}
	bad := webhook.Invalid("cursor", "is not a cursor from this list")
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return nil, bad
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil || m[pkName] != pkValue || len(m) > 4 {
		return nil, bad
	}
	key := make(map[string]types.AttributeValue, len(m))
	for k, v := range m {
		if v == "" {
			return nil, bad
		}
		key[k] = str(v)
	}
	return key, nil
}
