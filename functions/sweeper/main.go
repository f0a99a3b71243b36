// Command sweeper is the Lambda function that an EventBridge schedule runs
// every 5 minutes: it re-enqueues deliveries still pending past their next
// attempt time plus a grace period (shared/sweeper).
package main

import (
	"context"
	"log"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/hookrelay/hookrelay/shared/lambdaenv"
	"github.com/hookrelay/hookrelay/shared/sweeper"
)

func main() {
	deps, err := lambdaenv.Load(context.Background())
	if err != nil {
		log.Fatalf("sweeper: %v", err)
	}
	h := &sweeper.Handler{
		Store: deps.Store, Queue: deps.Queue, Grace: deps.Env.SweepGrace, Policy: deps.Env.Policy,
		Logger: deps.Logger, Now: time.Now,
	}
	lambda.Start(h.Handle)
}
