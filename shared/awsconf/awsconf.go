// Package awsconf builds the aws-sdk-go-v2 configuration hookrelay's
// functions and tools share: the default chain in AWS, or a fixed region and
// dummy credentials against a local endpoint.
package awsconf

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
)

// DefaultRegion is used when no region is configured.
const DefaultRegion = "us-east-1"

// Load reads the standard configuration chain (environment, shared files,
// the Lambda role). AWS_ENDPOINT_URL, when set, is honoured by the SDK itself;
// then, without credentials in the environment, dummy ones are used, as
// LocalStack and the emulators accept any.
func Load(ctx context.Context) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if os.Getenv("AWS_REGION") == "" && os.Getenv("AWS_DEFAULT_REGION") == "" {
		opts = append(opts, config.WithRegion(DefaultRegion))
	}
	if os.Getenv("AWS_ENDPOINT_URL") != "" && os.Getenv("AWS_ACCESS_KEY_ID") == "" && os.Getenv("AWS_PROFILE") == "" {
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("test", "test", "")))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("awsconf: load: %w", err)
	}
	return cfg, nil
}

// Local is a configuration for emulators: a fixed region, dummy credentials,
// and no retries beyond the SDK's defaults.
func Local() aws.Config {
	return aws.Config{
		Region:      DefaultRegion,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	}
}

// DynamoDB returns a DynamoDB client, at endpoint when it is not empty.
func DynamoDB(cfg aws.Config, endpoint string) *dynamodb.Client {
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
}

// Streams returns a DynamoDB Streams client, at endpoint when not empty.
func Streams(cfg aws.Config, endpoint string) *dynamodbstreams.Client {
	return dynamodbstreams.NewFromConfig(cfg, func(o *dynamodbstreams.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
}

// SQS returns an SQS client, at endpoint when not empty.
func SQS(cfg aws.Config, endpoint string) *awssqs.Client {
	return awssqs.NewFromConfig(cfg, func(o *awssqs.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
}
