package local

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// StreamHandler is a Lambda handler for DynamoDB stream batches.
type StreamHandler func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error)

// StreamPoller stands in for Lambda's DynamoDB stream event source mapping:
// it reads every shard from its oldest record, hands batches to the handler,
// moves past a record only once the handler succeeded with it, and retries
// from the first reported failure (that record and every later one) with a
// growing back-off until it succeeds. Child shards wait for their parent.
type StreamPoller struct {
	Client    *dynamodbstreams.Client
	StreamARN string
	Handler   StreamHandler
	Logger    *slog.Logger
	// BatchSize is the most records per invocation [100].
	BatchSize int32
	// Idle is the pause after an empty read [25ms].
	Idle time.Duration
}

// Run polls until ctx ends.
func (p *StreamPoller) Run(ctx context.Context) error {
	if p.BatchSize == 0 {
		p.BatchSize = 100
	}
	if p.Idle == 0 {
		p.Idle = 25 * time.Millisecond
	}
	var (
		mu       sync.Mutex
		started  = map[string]bool{}
		finished = map[string]bool{}
		wg       sync.WaitGroup
	)
	defer wg.Wait()
	for {
		shards, err := p.shards(ctx)
		if err != nil && ctx.Err() == nil {
			p.Logger.Error("stream.describe_failed", "error", err.Error())
		}
		mu.Lock()
		for _, sh := range shards {
			id := aws.ToString(sh.ShardId)
			parent := aws.ToString(sh.ParentShardId)
			if started[id] || (parent != "" && started[parent] && !finished[parent]) {
				continue
			}
			started[id] = true
			wg.Add(1)
			go func() {
				defer wg.Done()
				p.shard(ctx, id)
				mu.Lock()
				finished[id] = true
				mu.Unlock()
			}()
		}
		mu.Unlock()
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
}

func (p *StreamPoller) shards(ctx context.Context) ([]types.Shard, error) {
	var out []types.Shard
	in := &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(p.StreamARN)}
	for {
		res, err := p.Client.DescribeStream(ctx, in)
		if err != nil {
			return out, fmt.Errorf("describe stream: %w", err)
		}
		out = append(out, res.StreamDescription.Shards...)
		if res.StreamDescription.LastEvaluatedShardId == nil {
			return out, nil
		}
		in.ExclusiveStartShardId = res.StreamDescription.LastEvaluatedShardId
	}
}

// shard reads one shard to its end (a closed shard) or until ctx ends. Its
// checkpoint is the last record the handler succeeded with; a lost iterator
// (expired, or DynamoDB Local's TrimmedDataAccess on a shard that was empty)
// is replaced by one just after the checkpoint, so nothing is skipped.
func (p *StreamPoller) shard(ctx context.Context, shardID string) {
	var checkpoint string
	var iter *string
	for ctx.Err() == nil {
		if iter == nil {
			var err error
			if iter, err = p.iterator(ctx, shardID, checkpoint); err != nil {
				if ctx.Err() == nil {
					p.Logger.Error("stream.iterator_failed", "shard", shardID, "error", err.Error())
				}
				sleep(ctx, time.Second)
				continue
			}
		}
		res, err := p.Client.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(p.BatchSize)})
		if err != nil {
			var expired *types.ExpiredIteratorException
			var trimmed *types.TrimmedDataAccessException
			if !errors.As(err, &expired) && !errors.As(err, &trimmed) && ctx.Err() == nil {
				p.Logger.Error("stream.get_records_failed", "shard", shardID, "error", err.Error())
				sleep(ctx, time.Second)
			}
			iter = nil
			continue
		}
		if len(res.Records) > 0 {
			recs := toLambdaRecords(p.StreamARN, res.Records)
			p.deliver(ctx, recs)
			checkpoint = recs[len(recs)-1].Change.SequenceNumber
		} else {
			sleep(ctx, p.Idle)
		}
		if res.NextShardIterator == nil {
			return // a closed shard, read to its end
		}
		iter = res.NextShardIterator
	}
}

// iterator starts reading a shard just after checkpoint, or at its oldest
// record when there is none.
func (p *StreamPoller) iterator(ctx context.Context, shardID, checkpoint string) (*string, error) {
	in := &dynamodbstreams.GetShardIteratorInput{
		StreamArn: aws.String(p.StreamARN), ShardId: aws.String(shardID),
		ShardIteratorType: types.ShardIteratorTypeTrimHorizon,
	}
	if checkpoint != "" {
		in.ShardIteratorType = types.ShardIteratorTypeAfterSequenceNumber
		in.SequenceNumber = aws.String(checkpoint)
	}
	res, err := p.Client.GetShardIterator(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("shard iterator: %w", err)
	}
	return res.ShardIterator, nil
}

// deliver invokes the handler until every record has succeeded, resuming
// from the first failure each time.
func (p *StreamPoller) deliver(ctx context.Context, recs []events.DynamoDBEventRecord) {
	backoff := 100 * time.Millisecond
	for len(recs) > 0 && ctx.Err() == nil {
		resp, err := invokeStream(ctx, p.Handler, events.DynamoDBEvent{Records: recs})
		from := len(recs)
		switch {
		case err != nil:
			from = 0
			p.Logger.Error("stream.handler_failed", "records", len(recs), "error", err.Error())
		default:
			for _, f := range resp.BatchItemFailures {
				for i, r := range recs {
					if r.Change.SequenceNumber == f.ItemIdentifier && i < from {
						from = i
					}
				}
			}
		}
		recs = recs[from:]
		if len(recs) > 0 {
			sleep(ctx, backoff)
			backoff = min(2*backoff, 5*time.Second)
		}
	}
}

// invokeStream calls the handler, turning a panic into an error as Lambda
// turns it into a failed invocation.
func invokeStream(ctx context.Context, h StreamHandler, ev events.DynamoDBEvent) (resp events.DynamoDBEventResponse, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("handler panicked: %v", r)
		}
	}()
	return h(ctx, ev)
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

func toLambdaRecords(arn string, in []types.Record) []events.DynamoDBEventRecord {
	out := make([]events.DynamoDBEventRecord, len(in))
	for i, r := range in {
		rec := events.DynamoDBEventRecord{
			EventID:        aws.ToString(r.EventID),
			EventName:      string(r.EventName),
			EventSource:    "aws:dynamodb",
			EventVersion:   aws.ToString(r.EventVersion),
			AWSRegion:      aws.ToString(r.AwsRegion),
			EventSourceArn: arn,
		}
		if d := r.Dynamodb; d != nil {
			rec.Change = events.DynamoDBStreamRecord{
				Keys:           toLambdaMap(d.Keys),
				NewImage:       toLambdaMap(d.NewImage),
				OldImage:       toLambdaMap(d.OldImage),
				SequenceNumber: aws.ToString(d.SequenceNumber),
				SizeBytes:      aws.ToInt64(d.SizeBytes),
				StreamViewType: string(d.StreamViewType),
			}
			if d.ApproximateCreationDateTime != nil {
				rec.Change.ApproximateCreationDateTime = events.SecondsEpochTime{Time: *d.ApproximateCreationDateTime}
			}
		}
		out[i] = rec
	}
	return out
}

func toLambdaMap(m map[string]types.AttributeValue) map[string]events.DynamoDBAttributeValue {
	if m == nil {
		return nil
	}
	out := make(map[string]events.DynamoDBAttributeValue, len(m))
	for k, v := range m {
		out[k] = toLambdaValue(v)
	}
	return out
}

func toLambdaValue(v types.AttributeValue) events.DynamoDBAttributeValue {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return events.NewStringAttribute(v.Value)
	case *types.AttributeValueMemberN:
		return events.NewNumberAttribute(v.Value)
	case *types.AttributeValueMemberB:
		return events.NewBinaryAttribute(v.Value)
	case *types.AttributeValueMemberBOOL:
		return events.NewBooleanAttribute(v.Value)
	case *types.AttributeValueMemberNULL:
		return events.NewNullAttribute()
	case *types.AttributeValueMemberSS:
		return events.NewStringSetAttribute(v.Value)
	case *types.AttributeValueMemberNS:
		return events.NewNumberSetAttribute(v.Value)
	case *types.AttributeValueMemberBS:
		return events.NewBinarySetAttribute(v.Value)
	case *types.AttributeValueMemberL:
		l := make([]events.DynamoDBAttributeValue, len(v.Value))
		for i, x := range v.Value {
			l[i] = toLambdaValue(x)
		}
		return events.NewListAttribute(l)
	case *types.AttributeValueMemberM:
		return events.NewMapAttribute(toLambdaMap(v.Value))
	default:
		return events.NewNullAttribute()
	}
}
