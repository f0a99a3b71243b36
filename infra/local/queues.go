package local

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// QueueHandler is a Lambda handler for SQS batches.
type QueueHandler func(context.Context, events.SQSEvent) (events.SQSEventResponse, error)

// QueuePoller stands in for Lambda's SQS event source mapping with
// ReportBatchItemFailures: long polls for batches of up to ten, invokes the
// handler, deletes the messages it did not report and leaves the reported
// ones to come back when their visibility ends (and to move to the
// dead-letter queue by the queue's redrive policy). A handler error or panic
// leaves the whole batch.
type QueuePoller struct {
	Client   *awssqs.Client
	QueueURL string
	QueueARN string
	Handler  QueueHandler
	Logger   *slog.Logger
	// Concurrency is how many batches are in flight at once [4].
	Concurrency int
	// Wait is the long-poll wait [20s, the SQS maximum].
	Wait time.Duration
}

// Run polls until ctx ends.
func (p *QueuePoller) Run(ctx context.Context) error {
	n := p.Concurrency
	if n <= 0 {
		n = 4
	}
	if p.Wait == 0 {
		p.Wait = 20 * time.Second
	}
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if err := p.poll(ctx); err != nil && ctx.Err() == nil {
					p.Logger.Error("queue.poll_failed", "error", err.Error())
					sleep(ctx, time.Second)
				}
			}
		}()
	}
	wg.Wait()
	return nil
}

// poll receives one batch and handles it.
func (p *QueuePoller) poll(ctx context.Context) error {
	res, err := p.Client.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{
		QueueUrl:                    aws.String(p.QueueURL),
		MaxNumberOfMessages:         10,
		WaitTimeSeconds:             int32(p.Wait / time.Second),
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
		MessageAttributeNames:       []string{"All"},
	})
	if err != nil {
		return fmt.Errorf("receive: %w", err)
	}
	if len(res.Messages) == 0 {
		return nil
	}
	ev := events.SQSEvent{Records: make([]events.SQSMessage, len(res.Messages))}
	for i, m := range res.Messages {
		ev.Records[i] = events.SQSMessage{
			MessageId:      aws.ToString(m.MessageId),
			ReceiptHandle:  aws.ToString(m.ReceiptHandle),
			Body:           aws.ToString(m.Body),
			Md5OfBody:      aws.ToString(m.MD5OfBody),
			Attributes:     m.Attributes,
			EventSource:    "aws:sqs",
			EventSourceARN: p.QueueARN,
			AWSRegion:      "us-east-1",
		}
	}
	// The batch is handled even if ctx ends meanwhile, as Lambda finishes an
	// invocation it has started.
	resp, err := invokeQueue(context.WithoutCancel(ctx), p.Handler, ev)
	if err != nil {
		p.Logger.Error("queue.handler_failed", "messages", len(ev.Records), "error", err.Error())
		return nil
	}
	return p.deleteDone(context.WithoutCancel(ctx), ev, resp)
}

// deleteDone deletes every message of the batch that the handler did not
// report as failed.
func (p *QueuePoller) deleteDone(ctx context.Context, ev events.SQSEvent, resp events.SQSEventResponse) error {
	failed := make(map[string]bool, len(resp.BatchItemFailures))
	for _, f := range resp.BatchItemFailures {
		failed[f.ItemIdentifier] = true
	}
	var entries []types.DeleteMessageBatchRequestEntry
	for i, r := range ev.Records {
		if !failed[r.MessageId] {
			entries = append(entries, types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: aws.String(r.ReceiptHandle)})
		}
	}
	if len(entries) == 0 {
		return nil
	}
	out, err := p.Client.DeleteMessageBatch(ctx, &awssqs.DeleteMessageBatchInput{QueueUrl: aws.String(p.QueueURL), Entries: entries})
	if err != nil {
		return fmt.Errorf("delete batch: %w", err)
	}
	for _, f := range out.Failed {
		p.Logger.Warn("queue.delete_failed", "code", aws.ToString(f.Code), "message", aws.ToString(f.Message))
	}
	return nil
}

func invokeQueue(ctx context.Context, h QueueHandler, ev events.SQSEvent) (resp events.SQSEventResponse, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("handler panicked: %v", r)
		}
	}()
	return h(ctx, ev)
}
