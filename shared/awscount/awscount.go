// Package awscount counts the AWS API calls an aws-sdk-go-v2 client makes,
// by service and operation, for the cost model of `make bench`. Attach it to
// a configuration with Attach, or to one client's options with Option.
//
// It counts operations as a caller sees them (one per SDK call, whatever
// retries the SDK makes underneath) and, separately, the HTTP requests sent
// (each retry is one more), since AWS bills each request.
package awscount

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
)

// Counter holds call counts; it is safe for concurrent use. The zero value
// is ready.
type Counter struct {
	mu       sync.Mutex
	calls    map[string]int64 // "Service.Operation" → SDK calls
	requests map[string]int64 // "Service.Operation" → HTTP requests sent
}

// Attach adds the counting middleware to every client built from cfg.
func (c *Counter) Attach(cfg *aws.Config) {
	cfg.APIOptions = append(cfg.APIOptions, c.middleware)
}

func (c *Counter) middleware(stack *middleware.Stack) error {
	err := stack.Initialize.Add(middleware.InitializeMiddlewareFunc("awscount.calls",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			c.add(&c.calls, key(ctx))
			return next.HandleInitialize(ctx, in)
		}), middleware.Before)
	if err != nil {
		return fmt.Errorf("awscount: %w", err)
	}
	// Finalize runs once per attempt, after the retry middleware.
	err = stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("awscount.requests",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			c.add(&c.requests, key(ctx))
			return next.HandleFinalize(ctx, in)
		}), middleware.After)
	if err != nil {
		return fmt.Errorf("awscount: %w", err)
	}
	return nil
}

func key(ctx context.Context) string {
	return awsmiddleware.GetServiceID(ctx) + "." + awsmiddleware.GetOperationName(ctx)
}

func (c *Counter) add(m *map[string]int64, k string) {
	c.mu.Lock()
	if *m == nil {
		*m = map[string]int64{}
	}
	(*m)[k]++
	c.mu.Unlock()
}

// Snapshot is the counts at one moment.
type Snapshot struct {
	Calls    map[string]int64
	Requests map[string]int64
}

// Snapshot copies the counts.
func (c *Counter) Snapshot() Snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Snapshot{Calls: maps.Clone(c.calls), Requests: maps.Clone(c.requests)}
}

// Sub is s minus an earlier snapshot: the calls made in between.
func (s Snapshot) Sub(earlier Snapshot) Snapshot {
	diff := func(a, b map[string]int64) map[string]int64 {
		out := map[string]int64{}
		for k, v := range a {
			if d := v - b[k]; d != 0 {
				out[k] = d
			}
		}
		return out
	}
	return Snapshot{Calls: diff(s.Calls, earlier.Calls), Requests: diff(s.Requests, earlier.Requests)}
}

// Total is the number of SDK calls, all operations together.
func (s Snapshot) Total() int64 {
	var n int64
	for _, v := range s.Calls {
		n += v
	}
	return n
}

// Service is the number of HTTP requests to one service (its service ID,
// such as "DynamoDB" or "SQS").
func (s Snapshot) Service(id string) int64 {
	var n int64
	for k, v := range s.Requests {
		if strings.HasPrefix(k, id+".") {
			n += v
		}
	}
	return n
}

// String lists the calls by operation, sorted: "DynamoDB.GetItem=3 SQS.SendMessageBatch=1".
func (s Snapshot) String() string {
	keys := slices.Sorted(maps.Keys(s.Calls))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, s.Calls[k])
	}
	return strings.Join(parts, " ")
}
