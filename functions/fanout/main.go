// Command fanout is the Lambda function on the events table's stream: it
// turns each new event into one delivery and one queue message per matching
// webhook (shared/fanout).
package main

import (
	"context"
	"log"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/hookrelay/hookrelay/shared/fanout"
	"github.com/hookrelay/hookrelay/shared/lambdaenv"
)

func main() {
	deps, err := lambdaenv.Load(context.Background())
	if err != nil {
		log.Fatalf("fanout: %v", err)
	}
	h := &fanout.Handler{Store: deps.Store, Queue: deps.Queue, Schedule: deps.Env.Schedule, Logger: deps.Logger, Now: time.Now}
	lambda.Start(h.Handle)
}
