package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/hookrelay/hookrelay/infra/local"
	"github.com/hookrelay/hookrelay/shared/schema"
)

// runWorker runs `hookrelay worker deliver`: only the deliver poller, in a
// process of its own, against the AWS APIs of a running `hookrelay dev` (or
// any endpoint). The chaos test kills and restarts processes like this one.
func runWorker(args []string) error {
	if len(args) < 1 || args[0] != "deliver" {
		return fmt.Errorf("usage: hookrelay worker deliver --dynamodb-endpoint URL --sqs-endpoint URL --queue-url URL --dlq-url URL [--prefix hookrelay-]")
	}
	fs := flag.NewFlagSet("worker deliver", flag.ContinueOnError)
	ddb := fs.String("dynamodb-endpoint", os.Getenv("AWS_ENDPOINT_URL"), "DynamoDB endpoint (default AWS_ENDPOINT_URL, else AWS)")
	sqsEndpoint := fs.String("sqs-endpoint", os.Getenv("AWS_ENDPOINT_URL"), "SQS endpoint (default AWS_ENDPOINT_URL, else AWS)")
	queue := fs.String("queue-url", os.Getenv(schema.EnvQueueURL), "delivery queue URL (HOOKRELAY_QUEUE_URL)")
	dlq := fs.String("dlq-url", os.Getenv(schema.EnvDLQURL), "dead-letter queue URL (HOOKRELAY_DLQ_URL)")
	prefix := fs.String("prefix", schema.PrefixFromEnv(), "table name prefix (HOOKRELAY_TABLE_PREFIX)")
	pollers := fs.Int("pollers", 4, "SQS batches in flight at once")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	cfg, err := local.ConfigFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	cfg.Prefix, cfg.Pollers = *prefix, *pollers
	cfg.Logger = slog.New(slog.NewJSONHandler(os.Stdout, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return local.Worker{Config: cfg, DynamoEndpoint: *ddb, SQSEndpoint: *sqsEndpoint, QueueURL: *queue, DLQURL: *dlq}.Run(ctx)
}
