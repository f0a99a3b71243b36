package local

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/hookrelay/hookrelay/shared/awsconf"
	"github.com/hookrelay/hookrelay/shared/deliver"
	"github.com/hookrelay/hookrelay/shared/dynamo"
	"github.com/hookrelay/hookrelay/shared/sender"
	"github.com/hookrelay/hookrelay/shared/sqs"
	"github.com/hookrelay/hookrelay/shared/sweeper"
	"github.com/hookrelay/hookrelay/shared/version"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

// deliverHandler is the deliver function as the local runtime and a deliver
// worker build it: the same handler Lambda runs.
func deliverHandler(store *dynamo.Store, queue *sqs.Queue, cfg Config) *deliver.Handler {
	return &deliver.Handler{
		Store: store, Queue: queue, Schedule: cfg.Schedule, Logger: cfg.Logger, Now: time.Now,
		Sender:     sender.New(sender.Options{AllowPrivate: cfg.AllowPrivate, Deny: cfg.Deny, UserAgent: version.UserAgent()}),
		Health:     store,
		Policy:     cfg.Policy,
		SweepGrace: cfg.SweepGrace,
	}
}

// sweepLoop runs the sweeper every interval until ctx ends.
func sweepLoop(ctx context.Context, h *sweeper.Handler, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if _, err := h.Sweep(ctx); err != nil && ctx.Err() == nil {
				h.Logger.Error("sweeper.failed", "error", err.Error())
			}
		}
	}
}

// Worker is a deliver poller in a process of its own, against the AWS APIs
// of a running local runtime (or any endpoint): `hookrelay worker deliver`.
// Config supplies the schedule, the address guard and the health policy.
type Worker struct {
	Config         Config
	DynamoEndpoint string
	SQSEndpoint    string
	QueueURL       string
	DLQURL         string
}

// Run polls the delivery queue until ctx ends.
func (w Worker) Run(ctx context.Context) error {
	cfg := w.Config
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	if cfg.Prefix == "" {
		return fmt.Errorf("worker: no table prefix")
	}
	if len(cfg.Schedule) == 0 {
		cfg.Schedule = webhook.DefaultSchedule
	}
	if cfg.Policy == (webhook.HealthPolicy{}) {
		cfg.Policy = webhook.DefaultHealthPolicy
	}
	if cfg.SweepGrace <= 0 {
		cfg.SweepGrace = 30 * time.Second
	}
	if w.QueueURL == "" || w.DLQURL == "" {
		return fmt.Errorf("worker: the delivery queue and dead-letter queue URLs are required")
	}
	awsCfg := awsconf.Local()
	if w.DynamoEndpoint == "" || w.SQSEndpoint == "" {
		var err error
		if awsCfg, err = awsconf.Load(ctx); err != nil {
			return err
		}
	}
	db := awsconf.DynamoDB(awsCfg, w.DynamoEndpoint)
	sq := awsconf.SQS(awsCfg, w.SQSEndpoint)
	attrs, err := sq.GetQueueAttributes(ctx, &awssqs.GetQueueAttributesInput{
		QueueUrl:       aws.String(w.QueueURL),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn},
	})
	if err != nil {
		return fmt.Errorf("worker: delivery queue attributes: %w", err)
	}
	store := dynamo.New(db, cfg.Prefix)
	del := deliverHandler(store, sqs.New(sq, w.QueueURL, w.DLQURL), cfg)
	p := &QueuePoller{
		Client: sq, QueueURL: w.QueueURL, Handler: del.Handle, Logger: cfg.Logger,
		QueueARN: attrs.Attributes[string(sqstypes.QueueAttributeNameQueueArn)], Concurrency: cfg.Pollers,
	}
	cfg.Logger.Info("worker.started", "queue", w.QueueURL)
	return p.Run(ctx)
}
