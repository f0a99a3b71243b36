package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/hookrelay/hookrelay/infra/local"
	"github.com/hookrelay/hookrelay/shared/awscount"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

type fanoutFigures struct {
	hooks int
	times []time.Duration
	query []time.Duration   // TenantWebhooks alone, part of times
	calls awscount.Snapshot // of the last repetition
}

// benchFanout fans one event out to hooks matching webhooks (and as many
// webhooks that do not match), reps times, each time with a new event: the
// time is that of fanout's Event, which returns once every delivery record is
// written and every message sent. It then checks the queue and the table.
func benchFanout(ctx context.Context, emu *local.Emulators, hooks, reps int) (*fanoutFigures, error) {
	schedule := webhook.DefaultSchedule
	e, err := newEnv(ctx, emu, schedule)
	if err != nil {
		return nil, err
	}
	tenant := "bench"
	err = parallel(2*hooks, 32, func(i int) error {
		url := "https://hooks.example.com/" + strconv.Itoa(i)
		types := []string{"registration.*"}
		if i%2 == 1 {
			types = []string{"booking.cancelled"}
		}
		w, err := webhook.NewWebhook(tenant, webhook.WebhookInput{URL: &url, EventTypes: &types}, false, time.Now())
		if err != nil {
			return err
		}
		return e.store.CreateWebhook(ctx, w)
	})
	if err != nil {
		return nil, fmt.Errorf("seed webhooks: %w", err)
	}
	h := e.fanoutHandler(schedule)
	fig := &fanoutFigures{hooks: hooks}
	var queued int
	for rep := 0; rep < reps; rep++ {
		ev := sampleEvent(tenant, webhook.NewID("evt"))
		if _, _, err := e.store.PutEvent(ctx, ev); err != nil {
			return nil, err
		}
		before := e.count.Snapshot()
		start := time.Now()
		if err := h.Event(ctx, ev); err != nil {
			return nil, err
		}
		fig.times = append(fig.times, time.Since(start))
		fig.calls = e.count.Snapshot().Sub(before)

		t := time.Now()
		if _, err := e.store.TenantWebhooks(ctx, tenant); err != nil {
			return nil, err
		}
		fig.query = append(fig.query, time.Since(t))

		ds, err := e.store.EventDeliveries(ctx, tenant, ev.ID)
		if err != nil {
			return nil, err
		}
		if len(ds) != hooks {
			return nil, fmt.Errorf("fanout to %d: %d delivery records", hooks, len(ds))
		}
		queued += hooks
		if n, err := queueDepth(ctx, e.sqs, e.queues.Delivery); err != nil || n != queued {
			return nil, fmt.Errorf("fanout to %d: %d messages queued, want %d (%v)", hooks, n, queued, err)
		}
	}
	return fig, nil
}

func queueDepth(ctx context.Context, c *awssqs.Client, url string) (int, error) {
	res, err := c.GetQueueAttributes(ctx, &awssqs.GetQueueAttributesInput{
		QueueUrl: aws.String(url), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages},
	})
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(res.Attributes[string(sqstypes.QueueAttributeNameApproximateNumberOfMessages)])
}
