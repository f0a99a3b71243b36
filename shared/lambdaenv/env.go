// Package lambdaenv reads the environment the CDK stack gives every
// hookrelay function and builds the clients they share.
package lambdaenv

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"

	"github.com/hookrelay/hookrelay/shared/awsconf"
	"github.com/hookrelay/hookrelay/shared/dynamo"
	"github.com/hookrelay/hookrelay/shared/schema"
	"github.com/hookrelay/hookrelay/shared/sqs"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

// Env is a function's configuration.
type Env struct {
	Prefix       string           // HOOKRELAY_TABLE_PREFIX
	QueueURL     string           // HOOKRELAY_QUEUE_URL
	DLQURL       string           // HOOKRELAY_DLQ_URL
	Schedule     webhook.Schedule // HOOKRELAY_RETRY_SCHEDULE
	AllowPrivate bool             // HOOKRELAY_ALLOW_PRIVATE_TARGETS, false unless "true"
	Safety                        // deny list, sweep grace, health policy
}

// Read parses the environment through getenv.
func Read(getenv func(string) string) (Env, error) {
	env := Env{
		Prefix:   getenv(schema.EnvTablePrefix),
		QueueURL: getenv(schema.EnvQueueURL),
		DLQURL:   getenv(schema.EnvDLQURL),
	}
	if env.Prefix == "" {
		env.Prefix = schema.DefaultPrefix
	}
	var err error
	if env.Schedule, err = webhook.ParseSchedule(getenv(schema.EnvRetrySchedule)); err != nil {
		return env, fmt.Errorf("%s: %w", schema.EnvRetrySchedule, err)
	}
	if v := getenv(schema.EnvAllowPrivateTargets); v != "" {
		if env.AllowPrivate, err = strconv.ParseBool(v); err != nil {
			return env, fmt.Errorf("%s: %q is not true or false", schema.EnvAllowPrivateTargets, v)
		}
	}
	if env.Safety, err = ReadSafety(getenv); err != nil {
		return env, err
	}
	if env.QueueURL == "" || env.DLQURL == "" {
		return env, fmt.Errorf("%s and %s must be set", schema.EnvQueueURL, schema.EnvDLQURL)
	}
	return env, nil
}

// Deps are the clients a function uses. Building them makes no network call.
type Deps struct {
	Env    Env
	Store  *dynamo.Store
	Queue  *sqs.Queue
	Logger *slog.Logger
}

// Load reads the environment and builds the store, the queue and a JSON
// logger on stdout (CloudWatch Logs in Lambda).
func Load(ctx context.Context) (Deps, error) {
	env, err := Read(os.Getenv)
	if err != nil {
		return Deps{}, err
	}
	cfg, err := awsconf.Load(ctx)
	if err != nil {
		return Deps{}, err
	}
	return Deps{
		Env:    env,
		Store:  dynamo.New(awsconf.DynamoDB(cfg, ""), env.Prefix),
		Queue:  sqs.New(awsconf.SQS(cfg, ""), env.QueueURL, env.DLQURL),
		Logger: slog.New(slog.NewJSONHandler(os.Stdout, nil)),
	}, nil
}
