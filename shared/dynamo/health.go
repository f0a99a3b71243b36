package dynamo

import (
	"context"
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

var _ webhook.HealthStore = (*Store)(nil)

func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

// RecordFailure adds one failed attempt to a webhook's streak in a single
// update and returns the streak as stored.
func (s *Store) RecordFailure(ctx context.Context, tenantID, webhookID string, at time.Time) (webhook.Health, error) {
	res, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           s.table(schema.Webhooks),
		Key:                 tenantKey(tenantID, webhookID),
		UpdateExpression:    aws.String("SET failures = if_not_exists(failures, :zero) + :one, failing_since = if_not_exists(failing_since, :at), last_failure_at = :at"),
		ConditionExpression: aws.String("attribute_exists(id)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":zero": num(0), ":one": num(1), ":at": num(at.UnixMilli()),
		},
		ReturnValues: types.ReturnValueAllNew,
	})
	if isConditionFailed(err) {
		return webhook.Health{}, notFound("webhook", webhookID)
	}
	if err != nil {
		return webhook.Health{}, fmt.Errorf("dynamo: record failure: %w", err)
	}
	var it webhookItem
	if err := attributevalue.UnmarshalMap(res.Attributes, &it); err != nil {
		return webhook.Health{}, fmt.Errorf("dynamo: unmarshal webhook: %w", err)
	}
	return it.health(), nil
}

// RecordSuccess removes a webhook's streak; the condition makes it a no-op
// (and no write) when there is none.
func (s *Store) RecordSuccess(ctx context.Context, tenantID, webhookID string) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           s.table(schema.Webhooks),
		Key:                 tenantKey(tenantID, webhookID),
		UpdateExpression:    aws.String("REMOVE failures, failing_since, last_failure_at, probe_at"),
		ConditionExpression: aws.String("attribute_exists(failures)"),
	})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("dynamo: record success: %w", err)
	}
	return nil
}

// ClaimProbe sets probe_at to now unless another caller did so within the
// cooldown.
func (s *Store) ClaimProbe(ctx context.Context, tenantID, webhookID string, now time.Time, cooldown time.Duration) (bool, error) {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           s.table(schema.Webhooks),
		Key:                 tenantKey(tenantID, webhookID),
		UpdateExpression:    aws.String("SET probe_at = :now"),
		ConditionExpression: aws.String("attribute_exists(id) AND (attribute_not_exists(probe_at) OR probe_at <= :before)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":now": num(now.UnixMilli()), ":before": num(now.Add(-cooldown).UnixMilli()),
		},
	})
	if isConditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("dynamo: claim probe: %w", err)
	}
	return true, nil
}

// DisableWebhook disables an enabled webhook as a new version, so that a
// PATCH based on the previous version conflicts instead of undoing it
// unknowingly.
func (s *Store) DisableWebhook(ctx context.Context, tenantID, webhookID, reason string, now time.Time) error {
	at, err := attributevalue.Marshal(now.UTC())
	if err != nil {
		return fmt.Errorf("dynamo: marshal time: %w", err)
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                s.table(schema.Webhooks),
		Key:                      tenantKey(tenantID, webhookID),
		UpdateExpression:         aws.String("SET enabled = :false, disabled_reason = :reason, updated_at = :at, #v = #v + :one"),
		ConditionExpression:      aws.String("enabled = :true"),
		ExpressionAttributeNames: map[string]string{"#v": "version"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":false": &types.AttributeValueMemberBOOL{Value: false}, ":true": &types.AttributeValueMemberBOOL{Value: true},
			":reason": str(reason), ":at": at, ":one": num(1),
		},
	})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("dynamo: disable webhook: %w", err)
	}
	return nil
}
