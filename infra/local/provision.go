package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/hookrelay/hookrelay/shared/schema"
)

// CreateTables creates every table of schema.Tables() under prefix, with the
// same keys, indexes, stream and TTL as the CDK stack. Existing tables are
// left as they are.
func CreateTables(ctx context.Context, db *dynamodb.Client, prefix string) error {
	for _, t := range schema.Tables() {
		name := schema.TableName(prefix, t.ID)
		_, err := db.CreateTable(ctx, createTableInput(name, t))
		var inUse *ddbtypes.ResourceInUseException
		if errors.As(err, &inUse) {
			continue
		}
		if err != nil {
			return fmt.Errorf("create table %s: %w", name, err)
		}
		if err := dynamodb.NewTableExistsWaiter(db).Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, time.Minute); err != nil {
			return fmt.Errorf("wait for table %s: %w", name, err)
		}
		if t.TTLAttribute != "" {
			_, err := db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
				TableName:               aws.String(name),
				TimeToLiveSpecification: &ddbtypes.TimeToLiveSpecification{AttributeName: aws.String(t.TTLAttribute), Enabled: aws.Bool(true)},
			})
			if err != nil {
				return fmt.Errorf("enable TTL on %s: %w", name, err)
			}
		}
	}
	return nil
}

func createTableInput(name string, t schema.Table) *dynamodb.CreateTableInput {
	attrs := map[string]schema.KeyType{}
	keySchema := func(pk schema.Key, sk *schema.Key) []ddbtypes.KeySchemaElement {
		attrs[pk.Name] = pk.Type
		ks := []ddbtypes.KeySchemaElement{{AttributeName: aws.String(pk.Name), KeyType: ddbtypes.KeyTypeHash}}
		if sk != nil {
			attrs[sk.Name] = sk.Type
			ks = append(ks, ddbtypes.KeySchemaElement{AttributeName: aws.String(sk.Name), KeyType: ddbtypes.KeyTypeRange})
		}
		return ks
	}
	in := &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: ddbtypes.BillingModePayPerRequest,
		KeySchema:   keySchema(t.PartitionKey, t.SortKey),
	}
	for _, ix := range t.Indexes {
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, ddbtypes.GlobalSecondaryIndex{
			IndexName:  aws.String(ix.Name),
			KeySchema:  keySchema(ix.PartitionKey, ix.SortKey),
			Projection: &ddbtypes.Projection{ProjectionType: ddbtypes.ProjectionType(ix.ProjectionType())},
		})
	}
	for n, typ := range attrs {
		in.AttributeDefinitions = append(in.AttributeDefinitions, ddbtypes.AttributeDefinition{
			AttributeName: aws.String(n), AttributeType: ddbtypes.ScalarAttributeType(typ),
		})
	}
	if t.Stream {
		in.StreamSpecification = &ddbtypes.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: ddbtypes.StreamViewTypeNewImage}
	}
	return in
}

// QueueURLs are the URLs of the delivery queue and its dead-letter queue.
type QueueURLs struct {
	Delivery   string
	DeadLetter string
}

// CreateQueues creates the queues of schema.Queues(attempts) under prefix,
// the dead-letter queue first so the redrive policy can name it.
func CreateQueues(ctx context.Context, q *awssqs.Client, prefix string, attempts int) (QueueURLs, error) {
	return CreateQueuesWithVisibility(ctx, q, prefix, attempts, 0)
}

// CreateQueuesWithVisibility is CreateQueues with the delivery queue's
// visibility timeout set to visibility (when not 0), so that tests see the
// messages of a killed deliver process again within seconds.
func CreateQueuesWithVisibility(ctx context.Context, q *awssqs.Client, prefix string, attempts int, visibility time.Duration) (QueueURLs, error) {
	urls := map[string]string{}
	arns := map[string]string{}
	// Create the dead-letter queues first, so the redrive policies can name them.
	var ordered []schema.Queue
	for _, withDLQ := range []bool{false, true} {
		for _, def := range schema.Queues(attempts) {
			if (def.DeadLetter != "") == withDLQ {
				ordered = append(ordered, def)
			}
		}
	}
	for _, def := range ordered {
		name := prefix + def.ID
		if visibility > 0 && def.ID == schema.DeliveryQueue {
			def.VisibilityTimeout = visibility
		}
		attrs := map[string]string{
			string(sqstypes.QueueAttributeNameVisibilityTimeout):      strconv.Itoa(int(def.VisibilityTimeout / time.Second)),
			string(sqstypes.QueueAttributeNameMessageRetentionPeriod): strconv.Itoa(int(def.RetentionPeriod / time.Second)),
		}
		if def.DeadLetter != "" {
			policy, _ := json.Marshal(map[string]any{
				"deadLetterTargetArn": arns[def.DeadLetter],
				"maxReceiveCount":     def.MaxReceiveCount,
			})
			attrs[string(sqstypes.QueueAttributeNameRedrivePolicy)] = string(policy)
		}
		res, err := q.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
		if err != nil {
			return QueueURLs{}, fmt.Errorf("create queue %s: %w", name, err)
		}
		urls[def.ID] = aws.ToString(res.QueueUrl)
		got, err := q.GetQueueAttributes(ctx, &awssqs.GetQueueAttributesInput{
			QueueUrl:       res.QueueUrl,
			AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn},
		})
		if err != nil {
			return QueueURLs{}, fmt.Errorf("queue %s attributes: %w", name, err)
		}
		arns[def.ID] = got.Attributes[string(sqstypes.QueueAttributeNameQueueArn)]
	}
	return QueueURLs{Delivery: urls[schema.DeliveryQueue], DeadLetter: urls[schema.DeadLetterQueue]}, nil
}
