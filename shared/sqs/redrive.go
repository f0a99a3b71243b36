package sqs

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/hookrelay/hookrelay/shared/webhook"
)

// RedriveAPI is the part of the SQS client a redrive needs beyond API.
type RedriveAPI interface {
	API
	ReceiveMessage(context.Context, *awssqs.ReceiveMessageInput, ...func(*awssqs.Options)) (*awssqs.ReceiveMessageOutput, error)
	DeleteMessageBatch(context.Context, *awssqs.DeleteMessageBatchInput, ...func(*awssqs.Options)) (*awssqs.DeleteMessageBatchOutput, error)
}

// redriveHold is how long a dead letter being moved stays hidden in the
// dead-letter queue; if the move fails half-way it reappears there.
const redriveHold = 60

// Redrive moves the dead letters back to the delivery queue, each marked
// Manual so that it gets exactly one more attempt, until the dead-letter
// queue is empty or ctx is done; it answers how many it moved. A message
// that is not a hookrelay message stays in the dead-letter queue.
//
// Each delivery is moved at most once per call: a redriven message that
// fails again is back in the dead-letter queue within a second, and moving
// it again would give it more than its one attempt. Such a copy stays where
// it is (hidden for redriveHold), and the call ends once a receive brings
// nothing it has not moved already.
//
// It receives, sends and deletes rather than using StartMessageMoveTask,
// because a move task cannot mark the messages it moves.
func (q *Queue) Redrive(ctx context.Context) (int, error) {
	api, ok := q.api.(RedriveAPI)
	if !ok {
		return 0, errors.New("sqs: the client cannot receive or delete messages")
	}
	moved := 0
	done := map[string]bool{} // delivery ids moved by this call
	for ctx.Err() == nil {
		res, err := api.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{
			QueueUrl:            aws.String(q.dlqURL),
			MaxNumberOfMessages: batchSize,
			WaitTimeSeconds:     1,
			VisibilityTimeout:   redriveHold,
		})
		if ctx.Err() != nil {
			break
		}
		if err != nil {
			return moved, fmt.Errorf("sqs: receive dead letters: %w", err)
		}
		if len(res.Messages) == 0 {
			break
		}
		n, fresh, err := q.moveBatch(ctx, api, res.Messages, done)
		moved += n
		if err != nil {
			return moved, err
		}
		if fresh == 0 {
			break // only copies of what this call moved already
		}
	}
	return moved, nil
}

// moveBatch sends one received batch of dead letters to the delivery queue
// as manual messages and deletes them from the dead-letter queue, skipping
// the deliveries in done (moved already by this redrive) and adding the ones
// it moves. fresh counts the messages that were not such copies.
func (q *Queue) moveBatch(ctx context.Context, api RedriveAPI, msgs []types.Message, done map[string]bool) (moved, fresh int, err error) {
	var out []webhook.Message
	var del []types.DeleteMessageBatchRequestEntry
	for _, m := range msgs {
		decoded, err := Decode(aws.ToString(m.Body))
		if err != nil {
			fresh++ // not ours: it stays, hidden for now
			continue
		}
		if done[decoded.DeliveryID] {
			continue
		}
		fresh++
		done[decoded.DeliveryID] = true
		decoded.Manual = true
		out = append(out, decoded)
		del = append(del, types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(len(del))), ReceiptHandle: m.ReceiptHandle})
	}
	if len(out) == 0 {
		return 0, fresh, nil
	}
	if err := q.sendBatch(ctx, out); err != nil {
		return 0, fresh, fmt.Errorf("sqs: redrive: %w", err)
	}
	res, err := api.DeleteMessageBatch(ctx, &awssqs.DeleteMessageBatchInput{QueueUrl: aws.String(q.dlqURL), Entries: del})
	if err != nil {
		return len(out), fresh, fmt.Errorf("sqs: delete redriven dead letters: %w", err)
	}
	if len(res.Failed) > 0 {
		return len(out), fresh, fmt.Errorf("sqs: delete redriven dead letters: %d failed, first %s", len(res.Failed), aws.ToString(res.Failed[0].Message))
	}
	return len(out), fresh, nil
}
