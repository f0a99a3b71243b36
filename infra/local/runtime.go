// Package local is hookrelay's local runtime, the engine of `make dev`: it
// starts DynamoDB Local and fauxqs on loopback (or uses AWS_ENDPOINT_URL),
// creates the tables and queues of shared/schema, serves the API and runs the
// pollers that stand in for Lambda's event source mappings, calling the same
// handlers the Lambda functions run.
package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/hookrelay/hookrelay/shared/api"
	"github.com/hookrelay/hookrelay/shared/awsconf"
	"github.com/hookrelay/hookrelay/shared/dynamo"
	"github.com/hookrelay/hookrelay/shared/fanout"
	"github.com/hookrelay/hookrelay/shared/schema"
	"github.com/hookrelay/hookrelay/shared/sqs"
	"github.com/hookrelay/hookrelay/shared/sweeper"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

// Config is the local runtime's configuration; FromEnv reads it from the
// environment variables of SPEC §2.
type Config struct {
	APIAddr      string           // HOOKRELAY_API_ADDR
	AdminKey     string           // HOOKRELAY_ADMIN_KEY; generated when empty
	Schedule     webhook.Schedule // HOOKRELAY_RETRY_SCHEDULE
	AllowPrivate bool             // HOOKRELAY_ALLOW_PRIVATE_TARGETS
	DataDir      string           // HOOKRELAY_DATA_DIR
	Endpoint     string           // AWS_ENDPOINT_URL: no emulators, this endpoint
	Root         string           // where node_modules is
	Prefix       string           // resource-name prefix [hookrelay-]
	Logger       *slog.Logger     // JSON logs, the delivery attempts among them
	EmulatorLog  io.Writer        // the emulators' own output; nil discards it
	// Pollers is how many SQS batches are in flight at once [4].
	Pollers int

	// Deny is HOOKRELAY_DENY_CIDRS: prefixes no delivery may reach.
	Deny []netip.Prefix
	// Policy is the endpoint health policy; the zero value means
	// webhook.DefaultHealthPolicy.
	Policy webhook.HealthPolicy
	// SweepInterval is how often the sweeper runs [5s];
	// HOOKRELAY_SWEEP_INTERVAL. SweepGrace is how overdue a pending
	// delivery is before it is swept [30s]; HOOKRELAY_SWEEP_GRACE.
	SweepInterval time.Duration
	SweepGrace    time.Duration
	// NoDeliver leaves the delivery queue to a deliver worker in another
	// process (RunDeliverWorker, `hookrelay worker deliver`).
	NoDeliver bool
	// Visibility overrides the delivery queue's visibility timeout (tests).
	Visibility time.Duration
	// RateLimit and RateBurst limit the requests of each API key (a token
	// bucket per key) [50/s, burst 100]; HOOKRELAY_RATE_LIMIT,
	// HOOKRELAY_RATE_BURST. A negative RateLimit turns the limit off.
	RateLimit float64
	RateBurst int
	// MaxWebhooksPerTenant caps each tenant's webhooks [100];
	// HOOKRELAY_MAX_WEBHOOKS_PER_TENANT.
	MaxWebhooksPerTenant int
}

// The local API's default rate limit per key, as API Gateway's stage
// throttling in AWS.
const (
	DefaultRateLimit = 50
	DefaultRateBurst = 100
)

// Runtime is a running local hookrelay.
type Runtime struct {
	URL       string // the API's base URL
	AdminKey  string
	Prefix    string
	Queues    QueueURLs
	Emulators *Emulators // nil with an external endpoint
	Store     *dynamo.Store
	// DynamoEndpoint and SQSEndpoint are where the runtime's AWS APIs are,
	// for a deliver worker in another process.
	DynamoEndpoint string
	SQSEndpoint    string
	// Sweeper is the reconciliation loop's handler.
	Sweeper *sweeper.Handler

	server *http.Server
	cancel context.CancelFunc
	wg     sync.WaitGroup
	errs   chan error
}

// Start brings everything up and returns once the API answers and every
// poller runs. Close stops it all.
func Start(ctx context.Context, cfg Config) (rt *Runtime, err error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	if cfg.Prefix == "" {
		cfg.Prefix = schema.DefaultPrefix
	}
	if len(cfg.Schedule) == 0 {
		cfg.Schedule = webhook.DefaultSchedule
	}
	if cfg.AdminKey == "" {
		cfg.AdminKey, _ = webhook.NewKey()
	}
	if cfg.Policy == (webhook.HealthPolicy{}) {
		cfg.Policy = webhook.DefaultHealthPolicy
	}
	if cfg.SweepInterval <= 0 {
		cfg.SweepInterval = 5 * time.Second
	}
	if cfg.SweepGrace <= 0 {
		cfg.SweepGrace = 30 * time.Second
	}
	runCtx, cancel := context.WithCancel(context.Background())
	rt = &Runtime{AdminKey: cfg.AdminKey, Prefix: cfg.Prefix, cancel: cancel, errs: make(chan error, 4)}
	defer func() {
		if err != nil {
			rt.Close()
			rt = nil
		}
	}()

	awsCfg, ddbEndpoint, sqsEndpoint, err := rt.endpoints(ctx, cfg)
	if err != nil {
		return rt, err
	}
	db := awsconf.DynamoDB(awsCfg, ddbEndpoint)
	sq := awsconf.SQS(awsCfg, sqsEndpoint)
	if err := CreateTables(ctx, db, cfg.Prefix); err != nil {
		return rt, err
	}
	rt.DynamoEndpoint, rt.SQSEndpoint = ddbEndpoint, sqsEndpoint
	if rt.Queues, err = CreateQueuesWithVisibility(ctx, sq, cfg.Prefix, cfg.Schedule.Attempts(), cfg.Visibility); err != nil {
		return rt, err
	}
	rt.Store = dynamo.New(db, cfg.Prefix)
	queue := sqs.New(sq, rt.Queues.Delivery, rt.Queues.DeadLetter)

	if err := rt.serveAPI(cfg, queue); err != nil {
		return rt, err
	}
	if err := rt.startPollers(ctx, runCtx, cfg, awsCfg, ddbEndpoint, db, sq, queue); err != nil {
		return rt, err
	}
	if err := waitHealthy(ctx, rt.URL+"/healthz"); err != nil {
		return rt, err
	}
	return rt, nil
}

// endpoints starts the emulators, or uses cfg.Endpoint.
func (rt *Runtime) endpoints(ctx context.Context, cfg Config) (aws.Config, string, string, error) {
	if cfg.Endpoint != "" {
		awsCfg, err := awsconf.Load(ctx)
		return awsCfg, cfg.Endpoint, cfg.Endpoint, err
	}
	emu, err := StartEmulators(ctx, EmulatorOptions{Root: cfg.Root, DataDir: cfg.DataDir, Log: cfg.EmulatorLog})
	if err != nil {
		return aws.Config{}, "", "", err
	}
	rt.Emulators = emu
	return awsconf.Local(), emu.DynamoEndpoint, emu.SQSEndpoint, nil
}

func (rt *Runtime) serveAPI(cfg Config, queue *sqs.Queue) error {
	adminHash := webhook.HashKey(cfg.AdminKey)
	handler := api.New(api.Config{
		Store:        rt.Store,
		Queue:        queue,
		AdminKeyHash: func(context.Context) (string, error) { return adminHash, nil },
		AllowPrivate: cfg.AllowPrivate,
		Schedule:     cfg.Schedule,
		Logger:       cfg.Logger,
		Now:          time.Now,

		MaxWebhooksPerTenant: cfg.MaxWebhooksPerTenant,
	})
	if cfg.RateLimit >= 0 {
		rate, burst := cfg.RateLimit, cfg.RateBurst
		if rate == 0 {
			rate = DefaultRateLimit
		}
		if burst == 0 {
			burst = DefaultRateBurst
		}
		handler = api.RateLimit(handler, rate, burst)
	}
	addr := cfg.APIAddr
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("API address %s: %w", addr, err)
	}
	rt.URL = "http://" + l.Addr().String()
	rt.server = &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	rt.wg.Add(1)
	go func() {
		defer rt.wg.Done()
		if err := rt.server.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			rt.errs <- fmt.Errorf("API server: %w", err)
		}
	}()
	return nil
}

func (rt *Runtime) startPollers(ctx, runCtx context.Context, cfg Config, awsCfg aws.Config, ddbEndpoint string, db *dynamodb.Client, sq *awssqs.Client, queue *sqs.Queue) error {
	desc, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(schema.TableName(cfg.Prefix, schema.Events))})
	if err != nil {
		return fmt.Errorf("describe events table: %w", err)
	}
	streamARN := aws.ToString(desc.Table.LatestStreamArn)
	if streamARN == "" {
		return fmt.Errorf("the events table has no stream")
	}
	attrs, err := sq.GetQueueAttributes(ctx, &awssqs.GetQueueAttributesInput{
		QueueUrl:       aws.String(rt.Queues.Delivery),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn},
	})
	if err != nil {
		return fmt.Errorf("delivery queue attributes: %w", err)
	}
	fan := &fanout.Handler{Store: rt.Store, Queue: queue, Schedule: cfg.Schedule, Logger: cfg.Logger, Now: time.Now}
	del := deliverHandler(rt.Store, queue, cfg)
	streamPoller := &StreamPoller{Client: awsconf.Streams(awsCfg, ddbEndpoint), StreamARN: streamARN, Handler: fan.Handle, Logger: cfg.Logger}
	queuePoller := &QueuePoller{
		Client: sq, QueueURL: rt.Queues.Delivery, Handler: del.Handle, Logger: cfg.Logger,
		QueueARN: attrs.Attributes[string(sqstypes.QueueAttributeNameQueueArn)], Concurrency: cfg.Pollers,
	}
	rt.Sweeper = &sweeper.Handler{Store: rt.Store, Queue: queue, Grace: cfg.SweepGrace, Policy: cfg.Policy, Logger: cfg.Logger, Now: time.Now}
	sweep := func(ctx context.Context) error { return sweepLoop(ctx, rt.Sweeper, cfg.SweepInterval) }
	runs := []func(context.Context) error{streamPoller.Run, sweep}
	if !cfg.NoDeliver {
		runs = append(runs, queuePoller.Run)
	}
	for _, run := range runs {
		rt.wg.Add(1)
		go func() {
			defer rt.wg.Done()
			if err := run(runCtx); err != nil {
				rt.errs <- err
			}
		}()
	}
	return nil
}

// Err delivers the first error that stops a part of the runtime.
func (rt *Runtime) Err() <-chan error { return rt.errs }

// Close stops the API, the pollers and the emulators, and waits for them.
func (rt *Runtime) Close() {
	if rt.server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = rt.server.Shutdown(ctx)
		cancel()
	}
	rt.cancel()
	rt.wg.Wait()
	if rt.Emulators != nil {
		rt.Emulators.Close()
	}
}

func waitHealthy(ctx context.Context, url string) error {
	return waitHTTP(ctx, url, "the API")
}
