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

var _ webhook.PendingStore = (*Store)(nil)

// DuePending queries the sparse by_pending index, one partition per shard,
// for pending deliveries due before before, oldest first within a shard. It
// never scans: the index holds only pending deliveries.
func (s *Store) DuePending(ctx context.Context, before time.Time, limit int) ([]webhook.Delivery, error) {
	var out []webhook.Delivery
	for shard := 0; shard < schema.PendingShards && len(out) < limit; shard++ {
		in := &dynamodb.QueryInput{
			TableName:                s.table(schema.Deliveries),
			IndexName:                aws.String(schema.IndexByPending),
			KeyConditionExpression:   aws.String("#pk = :pk AND #due < :before"),
			ExpressionAttributeNames: map[string]string{"#pk": schema.AttrPendingKey, "#due": schema.AttrPendingDue},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":pk": str("p" + strconv.Itoa(shard)), ":before": str(dueKey(before)),
			},
		}
		for len(out) < limit {
			in.Limit = aws.Int32(int32(limit - len(out)))
			res, err := s.db.Query(ctx, in)
			if err != nil {
				return out, fmt.Errorf("dynamo: query pending deliveries: %w", err)
			}
			var items []deliveryItem
			if err := attributevalue.UnmarshalListOfMaps(res.Items, &items); err != nil {
				return out, fmt.Errorf("dynamo: unmarshal deliveries: %w", err)
			}
			for _, it := range items {
				out = append(out, it.delivery())
			}
			if len(res.LastEvaluatedKey) == 0 {
				break
			}
			in.ExclusiveStartKey = res.LastEvaluatedKey
		}
	}
	return out, nil
}
