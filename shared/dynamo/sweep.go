package dynamo

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
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
		raw, err := s.queryItems(ctx, in, limit-len(out))
		if err != nil {
			return out, fmt.Errorf("dynamo: query pending deliveries: %w", err)
		}
		due, err := toDeliveries(raw)
		if err != nil {
			return out, err
		}
		out = append(out, due...)
	}
	return out, nil
}
