// Command api is the api Lambda function: hookrelay's HTTP API (shared/api)
// behind API Gateway HTTP API.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/hookrelay/hookrelay/shared/adminkey"
	"github.com/hookrelay/hookrelay/shared/api"
	"github.com/hookrelay/hookrelay/shared/api/apigw"
	"github.com/hookrelay/hookrelay/shared/awsconf"
	"github.com/hookrelay/hookrelay/shared/dynamo"
	"github.com/hookrelay/hookrelay/shared/sqs"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	env, err := api.ReadEnv(os.Getenv)
	if err != nil {
		log.Error("api.init", slog.String("error", err.Error()))
		os.Exit(1)
	}
	maxWebhooks, err := api.MaxWebhooksFromEnv(os.Getenv)
	if err != nil {
		log.Error("api.init", slog.String("error", err.Error()))
		os.Exit(1)
	}
	cfg, err := awsconf.Load(context.Background())
	if err != nil {
		log.Error("api.init", slog.String("error", err.Error()))
		os.Exit(1)
	}
	adminHash := adminkey.Static(env.AdminKey)
	if env.AdminKey == "" {
		fetch := adminkey.SecretsManager(secretsmanager.NewFromConfig(cfg), env.AdminKeySecretARN)
		adminHash = adminkey.NewCache(fetch, adminkey.DefaultTTL, nil).Hash
	}
	handler := api.New(api.Config{
		Store:        dynamo.New(awsconf.DynamoDB(cfg, ""), env.Prefix),
		Queue:        sqs.New(awsconf.SQS(cfg, ""), env.QueueURL, env.DLQURL),
		AdminKeyHash: adminHash,
		AllowPrivate: env.AllowPrivate,
		Schedule:     env.Schedule,
		Logger:       log,

		MaxWebhooksPerTenant: maxWebhooks,
	})
	lambda.Start(apigw.Handler(handler, log))
}
