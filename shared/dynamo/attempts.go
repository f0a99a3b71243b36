package dynamo

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hookrelay/hookrelay/shared/schema"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

// tableKey is one key of a multi-table batch read.
type tableKey struct {
	table string
	key   map[string]types.AttributeValue
}

// AttemptReads reads the deliveries, events and webhooks that msgs refer
// to, each item once, with BatchGetItem across the three tables: one
// request for a deliver batch of ten messages (at most 30 keys), more only
// past batchGetKeys keys or when DynamoDB leaves keys unprocessed, which
// are retried with backoff. Reads are eventually consistent, as GetItem's
// and EventAndWebhook's are. Missing items are absent from the answer.
func (s *Store) AttemptReads(ctx context.Context, msgs []webhook.Message) (webhook.AttemptData, error) {
	var keys []tableKey
	seen := map[string]bool{}
	add := func(tableID, tenantID, id string) {
		table := s.tables[tableID]
		if k := table + "\x00" + itemID(tenantID, id); !seen[k] {
			seen[k] = true
			keys = append(keys, tableKey{table, tenantKey(tenantID, id)})
		}
	}
	for _, m := range msgs {
		add(schema.Deliveries, m.TenantID, m.DeliveryID)
		add(schema.Events, m.TenantID, m.EventID)
		add(schema.Webhooks, m.TenantID, m.WebhookID)
	}
	got, err := s.batchGetTables(ctx, keys)
	if err != nil {
		return webhook.AttemptData{}, err
	}
	out := webhook.AttemptData{
		Deliveries: map[webhook.Ref]webhook.Delivery{},
		Events:     map[webhook.Ref]webhook.Event{},
		Webhooks:   map[webhook.Ref]webhook.Webhook{},
	}
	for _, raw := range got[s.tables[schema.Deliveries]] {
		var it deliveryItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return webhook.AttemptData{}, fmt.Errorf("dynamo: unmarshal delivery: %w", err)
		}
		d := it.delivery()
		out.Deliveries[webhook.Ref{TenantID: d.TenantID, ID: d.ID}] = d
	}
	for _, raw := range got[s.tables[schema.Events]] {
		var it eventItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return webhook.AttemptData{}, fmt.Errorf("dynamo: unmarshal event: %w", err)
		}
		e := it.event()
		out.Events[webhook.Ref{TenantID: e.TenantID, ID: e.ID}] = e
	}
	for _, raw := range got[s.tables[schema.Webhooks]] {
		var it webhookItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return webhook.AttemptData{}, fmt.Errorf("dynamo: unmarshal webhook: %w", err)
		}
		w := it.webhook()
		out.Webhooks[webhook.Ref{TenantID: w.TenantID, ID: w.ID}] = w
	}
	return out, nil
}

// batchGetTables reads keys of any tables with BatchGetItem, batchGetKeys
// keys a request and batchParallel requests in flight, retrying unprocessed
// keys with backoff. It answers the items found, by table.
func (s *Store) batchGetTables(ctx context.Context, keys []tableKey) (map[string][]map[string]types.AttributeValue, error) {
	var mu sync.Mutex
	out := map[string][]map[string]types.AttributeValue{}
	err := inParallel(ctx, len(keys), batchGetKeys, func(ctx context.Context, lo, hi int) error {
		req := map[string]types.KeysAndAttributes{}
		for _, k := range keys[lo:hi] {
			ka := req[k.table]
			ka.Keys = append(ka.Keys, k.key)
			req[k.table] = ka
		}
		for try := 0; len(req) > 0; try++ {
			if try == batchTries {
				return fmt.Errorf("dynamo: batch get: keys still unprocessed after %d tries", batchTries)
			}
			if err := backoff(ctx, try); err != nil {
				return err
			}
			res, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
			if err != nil {
				return fmt.Errorf("dynamo: batch get: %w", err)
			}
			mu.Lock()
			for table, items := range res.Responses {
				out[table] = append(out[table], items...)
			}
			mu.Unlock()
			req = res.UnprocessedKeys
		}
		return nil
	})
	return out, err
}
