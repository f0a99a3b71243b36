package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hookrelay/hookrelay/shared/schema"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

// batchTries bounds the BatchGetItem rounds spent on unprocessed keys.
const batchTries = 5

// EventAndWebhook reads one event and one webhook of a tenant in a single
// BatchGetItem request, as deliver needs both for each attempt. Either one
// missing is ENotFound. Reads are eventually consistent, as GetItem's are.
func (s *Store) EventAndWebhook(ctx context.Context, tenantID, eventID, webhookID string) (webhook.Event, webhook.Webhook, error) {
	evTable, whTable := s.tables[schema.Events], s.tables[schema.Webhooks]
	req := map[string]types.KeysAndAttributes{
		evTable: {Keys: []map[string]types.AttributeValue{tenantKey(tenantID, eventID)}},
		whTable: {Keys: []map[string]types.AttributeValue{tenantKey(tenantID, webhookID)}},
	}
	got := map[string]map[string]types.AttributeValue{}
	for try := 0; len(req) > 0; try++ {
		if try == batchTries {
			return webhook.Event{}, webhook.Webhook{}, fmt.Errorf("dynamo: batch get: keys still unprocessed after %d tries", batchTries)
		}
		if try > 0 {
			select { // DynamoDB left keys unprocessed: it is throttling
			case <-time.After(time.Duration(10<<try) * time.Millisecond):
			case <-ctx.Done():
				return webhook.Event{}, webhook.Webhook{}, ctx.Err()
			}
		}
		res, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
		if err != nil {
			return webhook.Event{}, webhook.Webhook{}, fmt.Errorf("dynamo: batch get event and webhook: %w", err)
		}
		for table, items := range res.Responses {
			if len(items) > 0 {
				got[table] = items[0]
			}
		}
		req = res.UnprocessedKeys
	}
	if got[evTable] == nil {
		return webhook.Event{}, webhook.Webhook{}, notFound("event", eventID)
	}
	if got[whTable] == nil {
		return webhook.Event{}, webhook.Webhook{}, notFound("webhook", webhookID)
	}
	var ev eventItem
	if err := attributevalue.UnmarshalMap(got[evTable], &ev); err != nil {
		return webhook.Event{}, webhook.Webhook{}, fmt.Errorf("dynamo: unmarshal event: %w", err)
	}
	var wh webhookItem
	if err := attributevalue.UnmarshalMap(got[whTable], &wh); err != nil {
		return webhook.Event{}, webhook.Webhook{}, fmt.Errorf("dynamo: unmarshal webhook: %w", err)
	}
	return ev.event(), wh.webhook(), nil
}
