package dynamo

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hookrelay/hookrelay/shared/schema"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

// DynamoDB's batch limits, how many batch requests one call keeps in
// flight, and how many rounds a batch write spends on unprocessed items.
const (
	batchGetKeys    = 100
	batchWriteItems = 25
	batchParallel   = 16
	batchWriteTries = 8
)

// CreateDeliveries stores those of ds whose ids do not exist yet, and
// returns them as created and the others as stored (existing). It reads
// the ids first (BatchGetItem, strongly consistent), then writes the
// missing ones with BatchWriteItem, which has no condition: unlike
// CreateDelivery it is not atomic, so the caller must be the only writer
// that creates these deliveries at that time (fanout is: see package
// fanout). The order of ds is kept in both lists.
func (s *Store) CreateDeliveries(ctx context.Context, ds []webhook.Delivery) (created, existing []webhook.Delivery, err error) {
	keys := make([]map[string]types.AttributeValue, len(ds))
	for i, d := range ds {
		keys[i] = tenantKey(d.TenantID, d.ID)
	}
	stored, err := s.batchGetDeliveries(ctx, keys, true)
	if err != nil {
		return nil, nil, err
	}
	var missing []map[string]types.AttributeValue
	for i, d := range ds {
		if raw, ok := stored[itemID(d.TenantID, d.ID)]; ok {
			var it deliveryItem
			if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
				return nil, nil, fmt.Errorf("dynamo: unmarshal delivery: %w", err)
			}
			existing = append(existing, it.delivery())
			continue
		}
		item, err := attributevalue.MarshalMap(toDeliveryItem(d))
		if err != nil {
			return nil, nil, fmt.Errorf("dynamo: marshal delivery: %w", err)
		}
		missing = append(missing, item)
		created = append(created, ds[i])
	}
	if err := s.batchWrite(ctx, schema.Deliveries, missing); err != nil {
		return nil, nil, err
	}
	return created, existing, nil
}

// itemID identifies an item of a table keyed by tenant and id.
func itemID(tenantID, id string) string { return tenantID + "\x00" + id }

// rawItemID is the itemID of a raw item, "" when it lacks either key.
func rawItemID(item map[string]types.AttributeValue) string {
	t, ok1 := item[schema.AttrTenantID].(*types.AttributeValueMemberS)
	id, ok2 := item[schema.AttrID].(*types.AttributeValueMemberS)
	if !ok1 || !ok2 {
		return ""
	}
	return itemID(t.Value, id.Value)
}

// fullDeliveries reads the delivery items behind entries of a KEYS_ONLY
// index (by_webhook, by_event) and answers them in the entries' order,
// without those whose status is not status (unless status is empty) and
// those gone from the table since (expired). Reads are eventually
// consistent, as the index query's are.
func (s *Store) fullDeliveries(ctx context.Context, entries []map[string]types.AttributeValue, status string) ([]map[string]types.AttributeValue, error) {
	keys := make([]map[string]types.AttributeValue, 0, len(entries))
	for _, e := range entries {
		keys = append(keys, map[string]types.AttributeValue{schema.AttrTenantID: e[schema.AttrTenantID], schema.AttrID: e[schema.AttrID]})
	}
	got, err := s.batchGetDeliveries(ctx, keys, false)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]types.AttributeValue, 0, len(entries))
	for _, e := range entries {
		item, ok := got[rawItemID(e)]
		if !ok {
			continue
		}
		if st, _ := item["status"].(*types.AttributeValueMemberS); status != "" && (st == nil || st.Value != status) {
			continue
		}
		out = append(out, item)
	}
	return out, nil
}

// batchGetDeliveries reads the deliveries with the given keys, in requests
// of batchGetKeys in parallel, retrying unprocessed keys. Missing ones are
// absent from the answer, which is keyed by itemID.
func (s *Store) batchGetDeliveries(ctx context.Context, keys []map[string]types.AttributeValue, consistent bool) (map[string]map[string]types.AttributeValue, error) {
	table := s.tables[schema.Deliveries]
	var mu sync.Mutex
	out := make(map[string]map[string]types.AttributeValue, len(keys))
	err := inParallel(ctx, len(keys), batchGetKeys, func(ctx context.Context, lo, hi int) error {
		req := map[string]types.KeysAndAttributes{table: {Keys: keys[lo:hi], ConsistentRead: &consistent}}
		for try := 0; len(req) > 0; try++ {
			if try == batchTries {
				return fmt.Errorf("dynamo: batch get deliveries: keys still unprocessed after %d tries", batchTries)
			}
			if err := backoff(ctx, try); err != nil {
				return err
			}
			res, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
			if err != nil {
				return fmt.Errorf("dynamo: batch get deliveries: %w", err)
			}
			mu.Lock()
			for _, it := range res.Responses[table] {
				out[rawItemID(it)] = it
			}
			mu.Unlock()
			req = res.UnprocessedKeys
		}
		return nil
	})
	return out, err
}

// batchWrite puts items into a table with BatchWriteItem, batchWriteItems
// a request and batchParallel requests in flight, retrying unprocessed
// items with backoff.
func (s *Store) batchWrite(ctx context.Context, tableID string, items []map[string]types.AttributeValue) error {
	table := s.tables[tableID]
	return inParallel(ctx, len(items), batchWriteItems, func(ctx context.Context, lo, hi int) error {
		reqs := make([]types.WriteRequest, 0, hi-lo)
		for _, it := range items[lo:hi] {
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: it}})
		}
		pending := map[string][]types.WriteRequest{table: reqs}
		for try := 0; len(pending) > 0; try++ {
			if try == batchWriteTries {
				return fmt.Errorf("dynamo: batch write %s: items still unprocessed after %d tries", tableID, batchWriteTries)
			}
			if err := backoff(ctx, try); err != nil {
				return err
			}
			res, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
			if err != nil {
				return fmt.Errorf("dynamo: batch write %s: %w", tableID, err)
			}
			pending = res.UnprocessedItems
		}
		return nil
	})
}

// backoff waits before retry try (none before the first): DynamoDB left
// keys or items unprocessed, so it is throttling.
func backoff(ctx context.Context, try int) error {
	if try == 0 {
		return nil
	}
	d := time.Duration(10<<min(try, 7)) * time.Millisecond
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// inParallel calls fn for each chunk [lo, hi) of size at most size of n
// items, batchParallel at a time, and answers the first error; after an
// error no new chunk starts.
func inParallel(ctx context.Context, n, size int, fn func(ctx context.Context, lo, hi int) error) error {
	if n <= size {
		if n == 0 {
			return nil
		}
		return fn(ctx, 0, n)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		sem      = make(chan struct{}, batchParallel)
	)
	for lo := 0; lo < n; lo += size {
		hi := min(lo+size, n)
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := fn(ctx, lo, hi); err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
					cancel()
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		firstErr = ctx.Err()
	}
	return firstErr
}
