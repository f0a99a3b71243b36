package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hookrelay/hookrelay/infra/local"
	"github.com/hookrelay/hookrelay/shared/schema"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

// writeFigures compares two ways of writing n delivery-sized records into
// the deliveries table: conditional PutItem, 32 in flight (what fanout
// does), and BatchWriteItem of 25, 16 in flight (what it could do, given
// an idempotent design and the IAM grant).
type writeFigures struct {
	n           int
	puts, batch []time.Duration
}

func benchWrites(ctx context.Context, emu *local.Emulators, n, reps int) (*writeFigures, error) {
	e, err := newEnv(ctx, emu, webhook.DefaultSchedule)
	if err != nil {
		return nil, err
	}
	table := aws.String(schema.TableName(e.prefix, schema.Deliveries))
	item := func(rep, i int, how string) map[string]types.AttributeValue {
		s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
		id := fmt.Sprintf("msg_%s_%d_%d", how, rep, i)
		return map[string]types.AttributeValue{
			"tenant_id": s("bench"), "id": s(id), "event_id": s("evt_01jc4w9s2kx8a6v3q0m5t7r9yb"),
			"event_type": s("registration.created"), "webhook_id": s("wh_" + strconv.Itoa(i)), "status": s("pending"),
			"next_attempt_at": s("2026-11-22T07:30:00Z"), "created_at": s("2026-11-22T07:30:00Z"),
			"attempt_count": &types.AttributeValueMemberN{Value: "0"}, "attempts": &types.AttributeValueMemberL{},
			"webhook_key": s("bench#wh_" + strconv.Itoa(i)), "event_key": s("bench#evt_01jc4w9s2kx8a6v3q0m5t7r9yb"),
			"created_key": s("2026-11-22T07:30:00.000000000Z#" + id), "expires_at": &types.AttributeValueMemberN{Value: "1798000000"},
		}
	}
	fig := &writeFigures{n: n}
	for rep := range reps {
		start := time.Now()
		err := parallel(n, 32, func(i int) error {
			_, err := e.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: item(rep, i, "put"), ConditionExpression: aws.String("attribute_not_exists(id)")})
			return err
		})
		if err != nil {
			return nil, err
		}
		fig.puts = append(fig.puts, time.Since(start))

		start = time.Now()
		err = parallel((n+24)/25, 16, func(b int) error {
			var reqs []types.WriteRequest
			for i := b * 25; i < min(n, (b+1)*25); i++ {
				reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: item(rep, i, "batch")}})
			}
			for len(reqs) > 0 {
				res, err := e.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{*table: reqs}})
				if err != nil {
					return err
				}
				reqs = res.UnprocessedItems[*table]
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		fig.batch = append(fig.batch, time.Since(start))
	}
	return fig, nil
}
