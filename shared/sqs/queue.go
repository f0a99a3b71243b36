// Package sqs implements webhook.Queue over Amazon SQS with aws-sdk-go-v2.
// Messages carry references (delivery, tenant, event and webhook ids) as a
// small JSON body, never the payload.
package sqs

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/hookrelay/hookrelay/shared/webhook"
)

// API is the part of the SQS client the queue uses.
type API interface {
	SendMessage(context.Context, *awssqs.SendMessageInput, ...func(*awssqs.Options)) (*awssqs.SendMessageOutput, error)
	SendMessageBatch(context.Context, *awssqs.SendMessageBatchInput, ...func(*awssqs.Options)) (*awssqs.SendMessageBatchOutput, error)
	ChangeMessageVisibility(context.Context, *awssqs.ChangeMessageVisibilityInput, ...func(*awssqs.Options)) (*awssqs.ChangeMessageVisibilityOutput, error)
}

// MaxVisibility is the longest SQS lets a received message stay hidden.
const MaxVisibility = 12 * time.Hour

// batchSize is SendMessageBatch's limit; parallelBatches bounds how many
// batches are in flight at once.
const (
	batchSize       = 10
	parallelBatches = 16
	sendTries       = 3
)

// Queue is the delivery queue and its dead-letter queue.
type Queue struct {
	api    API
	url    string
	dlqURL string
}

var _ webhook.Queue = (*Queue)(nil)

// New returns the queue at url whose dead letters go to dlqURL.
func New(api API, url, dlqURL string) *Queue { return &Queue{api: api, url: url, dlqURL: dlqURL} }

// URL is the delivery queue's URL.
func (q *Queue) URL() string { return q.url }

// DeadLetterURL is the dead-letter queue's URL.
func (q *Queue) DeadLetterURL() string { return q.dlqURL }

// Encode is a message's body.
func Encode(m webhook.Message) string {
	b, _ := json.Marshal(m)
	return string(b)
}

// Decode reads a message body.
func Decode(body string) (webhook.Message, error) {
	var m webhook.Message
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		return m, fmt.Errorf("sqs: decode message: %w", err)
	}
	if m.DeliveryID == "" || m.TenantID == "" || m.EventID == "" || m.WebhookID == "" {
		return m, fmt.Errorf("sqs: message %q lacks a reference", body)
	}
	return m, nil
}

// Enqueue sends the messages in batches of ten, several batches at once,
// retrying entries SQS reports as failed. It fails if any message could not be
// sent.
func (q *Queue) Enqueue(ctx context.Context, msgs []webhook.Message) error {
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		sem      = make(chan struct{}, parallelBatches)
	)
	for start := 0; start < len(msgs); start += batchSize {
		batch := msgs[start:min(start+batchSize, len(msgs))]
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := q.sendBatch(ctx, batch); err != nil {
				mu.Lock()
				firstErr = cmpErr(firstErr, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return firstErr
}

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// sendBatch sends up to ten messages, resending the entries that failed.
func (q *Queue) sendBatch(ctx context.Context, batch []webhook.Message) error {
	entries := make([]types.SendMessageBatchRequestEntry, len(batch))
	for i, m := range batch {
		entries[i] = types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: aws.String(Encode(m))}
	}
	var lastErr error
	for try := 0; try < sendTries && len(entries) > 0; try++ {
		res, err := q.api.SendMessageBatch(ctx, &awssqs.SendMessageBatchInput{QueueUrl: aws.String(q.url), Entries: entries})
		if err != nil {
			lastErr = fmt.Errorf("sqs: send batch: %w", err)
			continue
		}
		if len(res.Failed) == 0 {
			return nil
		}
		failed := make(map[string]bool, len(res.Failed))
		for _, f := range res.Failed {
			failed[aws.ToString(f.Id)] = true
			lastErr = fmt.Errorf("sqs: send batch entry: %s %s", aws.ToString(f.Code), aws.ToString(f.Message))
		}
		retry := entries[:0]
		for _, e := range entries {
			if failed[aws.ToString(e.Id)] {
				retry = append(retry, e)
			}
		}
		entries = retry
	}
	if len(entries) == 0 {
		return nil
	}
	return lastErr
}

// Delay hides a received message for d (at most MaxVisibility), after which
// SQS delivers it again.
func (q *Queue) Delay(ctx context.Context, receiptHandle string, d time.Duration) error {
	secs := int32(min(d, MaxVisibility).Round(time.Second) / time.Second)
	_, err := q.api.ChangeMessageVisibility(ctx, &awssqs.ChangeMessageVisibilityInput{
		QueueUrl:          aws.String(q.url),
		ReceiptHandle:     aws.String(receiptHandle),
		VisibilityTimeout: secs,
	})
	if err != nil {
		return fmt.Errorf("sqs: change visibility: %w", err)
	}
	return nil
}

// MaxDelay is the longest SQS delays a sent message.
const MaxDelay = 15 * time.Minute

// Defer sends m to the delivery queue, delivered after d (at most MaxDelay).
func (q *Queue) Defer(ctx context.Context, m webhook.Message, d time.Duration) error {
	secs := int32(min(max(d, 0), MaxDelay).Round(time.Second) / time.Second)
	_, err := q.api.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: aws.String(q.url), MessageBody: aws.String(Encode(m)), DelaySeconds: secs})
	if err != nil {
		return fmt.Errorf("sqs: send deferred message: %w", err)
	}
	return nil
}

// DeadLetter sends a message to the dead-letter queue.
func (q *Queue) DeadLetter(ctx context.Context, m webhook.Message) error {
	_, err := q.api.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: aws.String(q.dlqURL), MessageBody: aws.String(Encode(m))})
	if err != nil {
		return fmt.Errorf("sqs: send to dead-letter queue: %w", err)
	}
	return nil
}
