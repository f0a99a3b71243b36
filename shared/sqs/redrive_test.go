package sqs_test

import (
	"context"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/hookrelay/hookrelay/infra/local/localtest"
	"github.com/hookrelay/hookrelay/shared/sqs"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

func TestMain(m *testing.M) { os.Exit(localtest.Main(m)) }

// receiveAll drains a queue and returns the bodies' messages by delivery id.
func receiveAll(t *testing.T, api *awssqs.Client, url string) map[string]webhook.Message {
	t.Helper()
	out := map[string]webhook.Message{}
	for {
		res, err := api.ReceiveMessage(context.Background(), &awssqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 60})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Messages) == 0 {
			return out
		}
		for _, m := range res.Messages {
			if msg, err := sqs.Decode(aws.ToString(m.Body)); err == nil {
				out[msg.DeliveryID] = msg
			} else {
				out["?"+aws.ToString(m.Body)] = msg
			}
		}
	}
}

func TestRedrive(t *testing.T) {
	env := localtest.New(t, 3)
	q := sqs.New(env.SQS, env.Queues.Delivery, env.Queues.DeadLetter)
	ctx := context.Background()
	var want []string
	for i := range 23 {
		m := webhook.Message{DeliveryID: "msg_" + string(rune('a'+i)), TenantID: "acme", EventID: "evt_1", WebhookID: "wh_1"}
		if err := q.DeadLetter(ctx, m); err != nil {
			t.Fatal(err)
		}
		want = append(want, m.DeliveryID)
	}
	// A second copy of one delivery's dead letter — as a redriven message
	// that failed again comes back — is not moved by the same redrive.
	if err := q.DeadLetter(ctx, webhook.Message{DeliveryID: "msg_a", TenantID: "acme", EventID: "evt_1", WebhookID: "wh_1"}); err != nil {
		t.Fatal(err)
	}
	// A foreign message stays where it is.
	if _, err := env.SQS.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: aws.String(env.Queues.DeadLetter), MessageBody: aws.String("not ours")}); err != nil {
		t.Fatal(err)
	}
	moved, err := q.Redrive(ctx)
	if err != nil || moved != 23 {
		t.Fatalf("Redrive = %d, %v; want 23", moved, err)
	}
	got := receiveAll(t, env.SQS, env.Queues.Delivery)
	var ids []string
	for id, m := range got {
		if !m.Manual {
			t.Errorf("%s moved without the Manual mark", id)
		}
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if len(ids) != len(want) {
		t.Fatalf("delivery queue holds %v, want %v", ids, want)
	}
	// The dead-letter queue kept the foreign message and the second copy
	// (hidden for a minute by the redrive); nothing more is moved now.
	if moved, err := q.Redrive(ctx); err != nil || moved != 0 {
		t.Fatalf("second Redrive = %d, %v", moved, err)
	}
	// A done context stops the redrive without error.
	cctx, cancel := context.WithTimeout(ctx, time.Nanosecond)
	defer cancel()
	time.Sleep(time.Millisecond)
	if moved, err := q.Redrive(cctx); err != nil || moved != 0 {
		t.Fatalf("Redrive with a done context = %d, %v", moved, err)
	}
}
