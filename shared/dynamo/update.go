package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hookrelay/hookrelay/shared/schema"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

// UpdateWebhook replaces a stored webhook with w provided the stored one
// still has version prev: otherwise EConflict (a lost update), or ENotFound
// when it no longer exists.
func (s *Store) UpdateWebhook(ctx context.Context, w webhook.Webhook, prev int) error {
	item, err := attributevalue.MarshalMap(toWebhookItem(w))
	if err != nil {
		return fmt.Errorf("dynamo: marshal webhook: %w", err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                           s.table(schema.Webhooks),
		Item:                                item,
		ConditionExpression:                 aws.String("attribute_exists(id) AND #v = :prev"),
		ExpressionAttributeNames:            map[string]string{"#v": "version"},
		ExpressionAttributeValues:           map[string]types.AttributeValue{":prev": &types.AttributeValueMemberN{Value: strconv.Itoa(prev)}},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		if len(ccf.Item) == 0 {
			return notFound("webhook", w.ID)
		}
		return webhook.Errorf(webhook.EConflict, "webhook %q was changed meanwhile (version %d is no longer current); read it and try again", w.ID, prev)
	}
	if err != nil {
		return fmt.Errorf("dynamo: update webhook: %w", err)
	}
	return nil
}

// LatestEvent returns the tenant's newest event of the given type, through
// the events table's by_type index.
func (s *Store) LatestEvent(ctx context.Context, tenantID, eventType string) (webhook.Event, error) {
	res, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName:                 s.table(schema.Events),
		IndexName:                 aws.String(schema.IndexByType),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": schema.AttrTypeKey},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(tenantID + "#" + eventType)},
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(1),
	})
	if err != nil {
		return webhook.Event{}, fmt.Errorf("dynamo: query latest event: %w", err)
	}
	if len(res.Items) == 0 {
		return webhook.Event{}, webhook.Errorf(webhook.ENotFound, "no event of type %q", eventType)
	}
	var it eventItem
	if err := attributevalue.UnmarshalMap(res.Items[0], &it); err != nil {
		return webhook.Event{}, fmt.Errorf("dynamo: unmarshal event: %w", err)
	}
	return it.event(), nil
}

// DeliveriesSince returns a webhook's deliveries created at or after since,
// newest first, narrowed by f.
func (s *Store) DeliveriesSince(ctx context.Context, tenantID, webhookID string, f webhook.DeliveryFilter, since time.Time) ([]webhook.Delivery, error) {
	in := &dynamodb.QueryInput{
		TableName:                s.table(schema.Deliveries),
		IndexName:                aws.String(schema.IndexByWebhook),
		KeyConditionExpression:   aws.String("#pk = :pk AND #created >= :since"),
		ExpressionAttributeNames: map[string]string{"#pk": schema.AttrWebhookPK, "#created": schema.AttrCreated},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":    str(tenantID + "#" + webhookID),
			":since": str(createdKey(since, "")),
		},
		ScanIndexForward: aws.Bool(false),
	}
	entries, err := s.queryItems(ctx, in, 0)
	if err != nil {
		return nil, fmt.Errorf("dynamo: query deliveries since: %w", err)
	}
	// by_webhook holds keys only: read the items, filter by status.
	full, err := s.fullDeliveries(ctx, entries, f.Status)
	if err != nil {
		return nil, err
	}
	return toDeliveries(full)
}
