package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/hookrelay/hookrelay/infra/local"
	"github.com/hookrelay/hookrelay/infra/local/localtest"
	"github.com/hookrelay/hookrelay/shared/api"
	"github.com/hookrelay/hookrelay/shared/awsconf"
	"github.com/hookrelay/hookrelay/shared/awscount"
	"github.com/hookrelay/hookrelay/shared/deliver"
	"github.com/hookrelay/hookrelay/shared/dynamo"
	"github.com/hookrelay/hookrelay/shared/fanout"
	"github.com/hookrelay/hookrelay/shared/schema"
	"github.com/hookrelay/hookrelay/shared/sender"
	"github.com/hookrelay/hookrelay/shared/sqs"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

// env is one bench part's AWS resources: fresh tables and queues under a
// prefix of their own on the shared emulators, reached through clients whose
// every call is counted.
type env struct {
	count   *awscount.Counter
	db      *dynamodb.Client
	streams *dynamodbstreams.Client
	sqs     *awssqs.Client
	queues  local.QueueURLs
	prefix  string
	store   *dynamo.Store
	queue   *sqs.Queue
}

// discard is the logger of every handler: the JSON lines are formatted, as
// in Lambda, and thrown away, but errors are counted and the first kept.
var (
	handlerErrors = &errorLog{}
	discard       = slog.New(slog.NewJSONHandler(handlerErrors, nil))
)

// errorLog counts the log lines at level WARN (a failed attempt) or ERROR
// and keeps the first.
type errorLog struct {
	mu    sync.Mutex
	n     int
	first string
}

func (l *errorLog) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte(`"level":"ERROR"`)) || bytes.Contains(p, []byte(`"level":"WARN"`)) {
		l.mu.Lock()
		if l.n == 0 {
			l.first = string(bytes.TrimSpace(p))
		}
		l.n++
		l.mu.Unlock()
	}
	return len(p), nil
}

func (l *errorLog) take() (int, string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n, first := l.n, l.first
	l.n, l.first = 0, ""
	return n, first
}

func newEnv(ctx context.Context, emu *local.Emulators, schedule webhook.Schedule) (*env, error) {
	e := &env{count: &awscount.Counter{}, prefix: localtest.Prefix()}
	cfg := awsconf.Local()
	e.count.Attach(&cfg)
	e.db = awsconf.DynamoDB(cfg, emu.DynamoEndpoint)
	e.streams = awsconf.Streams(cfg, emu.DynamoEndpoint)
	e.sqs = awsconf.SQS(cfg, emu.SQSEndpoint)
	if err := local.CreateTables(ctx, e.db, e.prefix); err != nil {
		return nil, err
	}
	var err error
	if e.queues, err = local.CreateQueues(ctx, e.sqs, e.prefix, schedule.Attempts()); err != nil {
		return nil, err
	}
	e.store = dynamo.New(e.db, e.prefix)
	e.queue = sqs.New(e.sqs, e.queues.Delivery, e.queues.DeadLetter)
	return e, nil
}

func (e *env) deliverHandler(schedule webhook.Schedule) *deliver.Handler {
	return &deliver.Handler{
		Store: e.store, Queue: e.queue, Schedule: schedule, Logger: discard, Now: time.Now,
		Sender: sender.New(sender.Options{AllowPrivate: true}),
	}
}

func (e *env) fanoutHandler(schedule webhook.Schedule) *fanout.Handler {
	return &fanout.Handler{Store: e.store, Queue: e.queue, Schedule: schedule, Logger: discard, Now: time.Now}
}

// runner is the local runtime wired as infra/local.Start wires it (the API,
// the stream poller with fanout, the queue poller with deliver), over the
// counted clients of an env.
type runner struct {
	url      string
	adminKey string
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	server   *http.Server
	fanout   invocations
	deliver  invocations
}

// invocations records a function's invocations: how many, their records and
// their total duration (Lambda bills the duration).
type invocations struct {
	mu       sync.Mutex
	count    int
	records  int
	duration time.Duration
}

func (in *invocations) observe(start time.Time, records int) {
	d := time.Since(start)
	in.mu.Lock()
	in.count++
	in.records += records
	in.duration += d
	in.mu.Unlock()
}

func (in *invocations) snapshot() (count, records int, d time.Duration) {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.count, in.records, in.duration
}

func (e *env) startRuntime(ctx context.Context, schedule webhook.Schedule, pollers int) (*runner, error) {
	rt := &runner{}
	rt.adminKey, _ = webhook.NewKey()
	adminHash := webhook.HashKey(rt.adminKey)
	handler := api.New(api.Config{
		Store: e.store, Queue: e.queue, AllowPrivate: true, Schedule: schedule, Logger: discard, Now: time.Now,
		AdminKeyHash: func(context.Context) (string, error) { return adminHash, nil },
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	rt.url = "http://" + l.Addr().String()
	rt.server = &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := rt.server.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Error("bench API server", "error", err.Error())
		}
	}()

	desc, err := e.db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(schema.TableName(e.prefix, schema.Events))})
	if err != nil {
		return nil, fmt.Errorf("describe events table: %w", err)
	}
	attrs, err := e.sqs.GetQueueAttributes(ctx, &awssqs.GetQueueAttributesInput{
		QueueUrl: aws.String(e.queues.Delivery), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn},
	})
	if err != nil {
		return nil, fmt.Errorf("queue attributes: %w", err)
	}
	fan, del := e.fanoutHandler(schedule), e.deliverHandler(schedule)
	fanHandle := func(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		defer rt.fanout.observe(time.Now(), len(ev.Records))
		return fan.Handle(ctx, ev)
	}
	delHandle := func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		defer rt.deliver.observe(time.Now(), len(ev.Records))
		return del.Handle(ctx, ev)
	}
	sp := &local.StreamPoller{Client: e.streams, StreamARN: aws.ToString(desc.Table.LatestStreamArn), Handler: fanHandle, Logger: discard}
	qp := &local.QueuePoller{
		Client: e.sqs, QueueURL: e.queues.Delivery, QueueARN: attrs.Attributes[string(sqstypes.QueueAttributeNameQueueArn)],
		Handler: delHandle, Logger: discard, Concurrency: pollers,
	}
	runCtx, cancel := context.WithCancel(context.Background())
	rt.cancel = cancel
	for _, run := range []func(context.Context) error{sp.Run, qp.Run} {
		rt.wg.Add(1)
		go func() { defer rt.wg.Done(); _ = run(runCtx) }()
	}
	return rt, nil
}

func (rt *runner) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	_ = rt.server.Shutdown(ctx)
	cancel()
	rt.cancel()
	rt.wg.Wait()
}
