package stack

import (
	"path/filepath"
	"strconv"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/hookrelay/hookrelay/shared/lambdaenv"
	"github.com/hookrelay/hookrelay/shared/schema"
)

// Function names: the folder under functions/ and under the asset directory.
const (
	FunctionAPI     = "api"
	FunctionFanout  = "fanout"
	FunctionDeliver = "deliver"
	FunctionSweeper = "sweeper"
)

// function describes one Lambda entry point. Adding one is an entry here,
// its grants in grant, and its trigger.
type function struct {
	name        string
	description string
	memoryMB    float64
	timeout     time.Duration
	// logsAttempts is true for a function that writes the delivery.attempt
	// lines the metric filters count.
	logsAttempts bool
}

var functions = []function{
	{name: FunctionAPI, description: "hookrelay HTTP API", memoryMB: 512, timeout: 29 * time.Second},
	{name: FunctionFanout, description: "hookrelay fanout: events stream to delivery queue", memoryMB: 512, timeout: 5 * time.Minute},
	{name: FunctionDeliver, description: "hookrelay deliver: POSTs deliveries from the queue", memoryMB: 256, timeout: schema.DeliverTimeout, logsAttempts: true},
	{name: FunctionSweeper, description: "hookrelay sweeper: re-enqueues overdue pending deliveries", memoryMB: 256, timeout: 2 * time.Minute},
}

// sweepEvery is how often EventBridge runs the sweeper.
const sweepEvery = 5 * time.Minute

// Event source settings.
const (
	streamBatchSize     = 100
	streamRetryAttempts = 5
	streamMaxRecordAge  = 24 * time.Hour
	deliverBatchSize    = 10
	deliverBatchWindow  = time.Second
)

func (s *Stack) addFunctions() {
	env := map[string]*string{
		schema.EnvTablePrefix:         jsii.String(s.TablePrefix()),
		schema.EnvQueueURL:            s.Queues[schema.DeliveryQueue].QueueUrl(),
		schema.EnvDLQURL:              s.Queues[schema.DeadLetterQueue].QueueUrl(),
		schema.EnvRetrySchedule:       jsii.String(s.props.Schedule.String()),
		schema.EnvAllowPrivateTargets: jsii.String(strconv.FormatBool(s.props.AllowPrivateTargets)),
	}

	for _, f := range functions {
		name := s.physicalName(f.name)
		logGroup := awslogs.NewLogGroup(s.Stack, jsii.String(title(f.name)+"Logs"), &awslogs.LogGroupProps{
			LogGroupName:  jsii.String("/aws/lambda/" + name),
			Retention:     retentionDays[s.props.LogRetentionDays],
			RemovalPolicy: s.retained(),
		})
		// A role of our own instead of the one Function makes: that one
		// carries the AWS managed AWSLambdaBasicExecutionRole, which may write
		// to every log group of the account.
		role := awsiam.NewRole(s.Stack, jsii.String(title(f.name)+"Role"), &awsiam.RoleProps{
			AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
			Description: jsii.String("hookrelay " + f.name + " function (" + s.props.Stage + ")"),
		})
		allow(role, []string{"logs:CreateLogStream", "logs:PutLogEvents"}, logGroup.LogGroupArn())

		fenv := map[string]*string{}
		for k, v := range env {
			fenv[k] = v
		}
		if f.name == FunctionAPI {
			fenv[schema.EnvAdminKeySecretARN] = s.AdminKey.SecretArn()
		}
		if f.name == FunctionDeliver && s.props.DenyCIDRs != "" {
			fenv[lambdaenv.EnvDenyCIDRs] = jsii.String(s.props.DenyCIDRs)
		}
		fn := awslambda.NewFunction(s.Stack, jsii.String(title(f.name)+"Function"), &awslambda.FunctionProps{
			FunctionName:          jsii.String(name),
			Description:           jsii.String(f.description),
			Runtime:               awslambda.Runtime_PROVIDED_AL2023(),
			Architecture:          awslambda.Architecture_ARM_64(),
			Handler:               jsii.String("bootstrap"),
			Code:                  awslambda.Code_FromAsset(jsii.String(filepath.Join(s.props.AssetDir, f.name)), nil),
			MemorySize:            jsii.Number(f.memoryMB),
			Timeout:               seconds(f.timeout),
			Role:                  role,
			LogGroup:              logGroup,
			LoggingFormat:         awslambda.LoggingFormat_JSON,
			ApplicationLogLevelV2: awslambda.ApplicationLogLevel_INFO,
			SystemLogLevelV2:      awslambda.SystemLogLevel_INFO,
			Environment:           &fenv,
			RecursiveLoop:         awslambda.RecursiveLoop_TERMINATE,
		})
		s.Functions[f.name] = fn
		s.LogGroups[f.name] = logGroup
	}
}

// allow adds one statement to role's policy.
func allow(role awsiam.IRole, actions []string, resources ...*string) {
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Effect:    awsiam.Effect_ALLOW,
		Actions:   jsii.Strings(actions...),
		Resources: &resources,
	}))
}

// tableARNs returns the ARNs of the tables with the given IDs.
func (s *Stack) tableARNs(ids ...string) []*string {
	var out []*string
	for _, id := range ids {
		out = append(out, s.Tables[id].TableArn())
	}
	return out
}

// indexARNs returns the ARN of every index of the tables with the given IDs,
// each named: no index/* wildcard.
func (s *Stack) indexARNs(ids ...string) []*string {
	var out []*string
	for _, t := range schema.Tables() {
		for _, id := range ids {
			if t.ID != id {
				continue
			}
			for _, ix := range t.Indexes {
				out = append(out, jsii.String(*s.Tables[id].TableArn()+"/index/"+ix.Name))
			}
		}
	}
	return out
}

func allTableIDs() []string {
	var ids []string
	for _, t := range schema.Tables() {
		ids = append(ids, t.ID)
	}
	return ids
}

// grant gives each function exactly the AWS calls its code makes. The event
// source mappings add what the Lambda service needs to poll on the
// function's behalf (stream reads, SQS receive/delete) in addEventSources.
func (s *Stack) grant() {
	queue, dlq := s.Queues[schema.DeliveryQueue].QueueArn(), s.Queues[schema.DeadLetterQueue].QueueArn()

	api := s.Functions[FunctionAPI].Role()
	allow(api, []string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query", "dynamodb:BatchGetItem"},
		s.tableARNs(allTableIDs()...)...)
	allow(api, []string{"dynamodb:Query"}, s.indexARNs(allTableIDs()...)...)
	// sqs:SendMessage also authorizes SendMessageBatch, and DeleteMessage
	// DeleteMessageBatch. The DLQ redrive receives the dead letters, sends
	// them to the delivery queue marked manual and deletes them (shared/sqs
	// Redrive); it uses no SQS move task.
	allow(api, []string{"sqs:SendMessage"}, queue)
	allow(api, []string{"sqs:ReceiveMessage", "sqs:DeleteMessage"}, dlq)
	allow(api, []string{"secretsmanager:GetSecretValue"}, s.AdminKey.SecretArn())

	fanout := s.Functions[FunctionFanout].Role()
	allow(fanout, []string{"dynamodb:Query"}, s.tableARNs(schema.Webhooks)...)
	// Check, then write only the missing deliveries (shared/fanout).
	allow(fanout, []string{"dynamodb:BatchGetItem", "dynamodb:BatchWriteItem"}, s.tableARNs(schema.Deliveries)...)
	allow(fanout, []string{"sqs:SendMessage"}, queue)

	deliver := s.Functions[FunctionDeliver].Role()
	allow(deliver, []string{"dynamodb:GetItem", "dynamodb:BatchGetItem"}, s.tableARNs(schema.Events, schema.Webhooks, schema.Deliveries)...)
	allow(deliver, []string{"dynamodb:UpdateItem"}, s.tableARNs(schema.Deliveries)...)
	// Receive, delete and ChangeMessageVisibility (the retry wait) on the
	// delivery queue come with its event source mapping.
	allow(deliver, []string{"sqs:SendMessage"}, dlq)
	// The circuit breaker's delayed copies of held-back messages, and the
	// endpoint health streak on the webhook item.
	allow(deliver, []string{"sqs:SendMessage"}, queue)
	allow(deliver, []string{"dynamodb:UpdateItem"}, s.tableARNs(schema.Webhooks)...)

	// sweeper: the sparse by_pending index, the webhook (is its breaker
	// holding messages back?) and the delivery queue.
	sweeper := s.Functions[FunctionSweeper].Role()
	allow(sweeper, []string{"dynamodb:Query"}, jsii.String(*s.Tables[schema.Deliveries].TableArn()+"/index/"+schema.IndexByPending))
	allow(sweeper, []string{"dynamodb:GetItem"}, s.tableARNs(schema.Webhooks)...)
	allow(sweeper, []string{"sqs:SendMessage"}, queue)
}

func (s *Stack) addEventSources() {
	// fanout: INSERTs of the events stream. A failing record is retried a
	// bounded number of times, its batch bisected to isolate it, and then
	// described in the fanout-failures queue.
	s.Functions[FunctionFanout].AddEventSource(awslambdaeventsources.NewDynamoEventSource(s.Tables[schema.Events], &awslambdaeventsources.DynamoEventSourceProps{
		StartingPosition:        awslambda.StartingPosition_TRIM_HORIZON,
		BatchSize:               jsii.Number(streamBatchSize),
		BisectBatchOnError:      jsii.Bool(true),
		RetryAttempts:           jsii.Number(streamRetryAttempts),
		MaxRecordAge:            seconds(streamMaxRecordAge),
		ReportBatchItemFailures: jsii.Bool(true),
		OnFailure:               awslambdaeventsources.NewSqsDlq(s.FanoutFailures),
		Filters: &[]*map[string]interface{}{
			awslambda.FilterCriteria_Filter(&map[string]interface{}{
				"eventName": awslambda.FilterRule_IsEqual(jsii.String("INSERT")),
			}),
		},
	}))
	// deliver: the delivery queue, ten messages a batch; retries wait as
	// message visibility, so a failed item is reported, never an error.
	s.Functions[FunctionDeliver].AddEventSource(awslambdaeventsources.NewSqsEventSource(s.Queues[schema.DeliveryQueue], &awslambdaeventsources.SqsEventSourceProps{
		BatchSize:               jsii.Number(deliverBatchSize),
		MaxBatchingWindow:       seconds(deliverBatchWindow),
		MaxConcurrency:          jsii.Number(float64(s.props.DeliverMaxConcurrency)),
		ReportBatchItemFailures: jsii.Bool(true),
	}))
	// sweeper: every 5 minutes, the safety net for lost messages.
	awsevents.NewRule(s.Stack, jsii.String("SweeperSchedule"), &awsevents.RuleProps{
		RuleName:    jsii.String(s.physicalName("sweeper")),
		Description: jsii.String("runs the hookrelay sweeper: re-enqueues deliveries still pending past their next attempt plus a grace period"),
		Schedule:    awsevents.Schedule_Rate(seconds(sweepEvery)),
		Targets:     &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(s.Functions[FunctionSweeper], nil)},
	})
}
