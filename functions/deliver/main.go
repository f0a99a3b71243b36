// Command deliver is the Lambda function on the delivery queue: it makes the
// signed POST of each message, records the attempt and schedules the retry
// or dead-letters the message (shared/deliver).
package main

import (
	"context"
	"log"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/hookrelay/hookrelay/shared/deliver"
	"github.com/hookrelay/hookrelay/shared/lambdaenv"
	"github.com/hookrelay/hookrelay/shared/sender"
	"github.com/hookrelay/hookrelay/shared/sweeper"
	"github.com/hookrelay/hookrelay/shared/version"
)

func main() {
	deps, err := lambdaenv.Load(context.Background())
	if err != nil {
		log.Fatalf("deliver: %v", err)
	}
	grace := deps.Env.SweepGrace
	if grace == 0 {
		grace = sweeper.DefaultGrace
	}
	h := &deliver.Handler{
		Store: deps.Store, Queue: deps.Queue, Schedule: deps.Env.Schedule, Logger: deps.Logger, Now: time.Now,
		Sender: sender.New(sender.Options{AllowPrivate: deps.Env.AllowPrivate, Deny: deps.Env.Deny, UserAgent: version.UserAgent()}),
		Health: deps.Store, Policy: deps.Env.Policy, SweepGrace: grace,
	}
	lambda.Start(h.Handle)
}
