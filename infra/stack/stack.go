// Package stack is hookrelay's AWS CDK stack: the DynamoDB tables and SQS
// queues of shared/schema, the api, fanout and deliver Lambda functions with
// their event source mappings, the HTTP API, the admin key secret, and the
// CloudWatch logs, metrics, saved queries, alarms and dashboard that operate
// it. infra/main.go is the app that deploys it; `make synth` and
// `make deploy` run that app through the CDK CLI.
package stack

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/hookrelay/hookrelay/shared/schema"
)

// Stack is one deployed hookrelay: a CloudFormation stack named
// hookrelay-<stage>.
type Stack struct {
	awscdk.Stack

	props Props
	// Tables and Queues are keyed by their schema ID.
	Tables map[string]awsdynamodb.Table
	Queues map[string]awssqs.Queue
	// FanoutFailures receives the stream batches fanout gave up on.
	FanoutFailures awssqs.Queue
	// Functions and LogGroups are keyed by function name.
	Functions map[string]awslambda.Function
	LogGroups map[string]awslogs.LogGroup
	AdminKey  awssecretsmanager.Secret
	API       awsapigatewayv2.HttpApi
	APIStage  awsapigatewayv2.HttpStage
	// AlarmTopic is nil unless Props.AlarmEmail is set.
	AlarmTopic awssns.Topic
	Alarms     []awscloudwatch.Alarm
	Dashboard  awscloudwatch.Dashboard
}

// Name returns the CloudFormation stack name of a stage.
func Name(stage string) string { return "hookrelay-" + stage }

// New defines the stack in scope. It returns an error for invalid props or a
// function binary missing from props.AssetDir.
func New(scope constructs.Construct, props Props) (*Stack, error) {
	p, err := props.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := checkAssets(p.AssetDir, functions); err != nil {
		return nil, err
	}
	sp := p.StackProps
	if sp.StackName == nil {
		sp.StackName = jsii.String(Name(p.Stage))
	}
	if sp.Description == nil {
		sp.Description = jsii.String(fmt.Sprintf("hookrelay webhook delivery (%s)", p.Stage))
	}
	s := &Stack{
		Stack:     awscdk.NewStack(scope, jsii.String(Name(p.Stage)), &sp),
		props:     p,
		Tables:    map[string]awsdynamodb.Table{},
		Queues:    map[string]awssqs.Queue{},
		Functions: map[string]awslambda.Function{},
		LogGroups: map[string]awslogs.LogGroup{},
	}
	awscdk.Tags_Of(s.Stack).Add(jsii.String("app"), jsii.String("hookrelay"), nil)
	awscdk.Tags_Of(s.Stack).Add(jsii.String("stage"), jsii.String(p.Stage), nil)

	s.addTables()
	s.addQueues()
	s.addAdminKey()
	s.addFunctions()
	s.grant()
	s.addEventSources()
	s.addAPI()
	s.addObservability()
	s.addOutputs()
	s.suppressNagFindings()
	return s, nil
}

// physicalName is the name of a stage's resource: hookrelay-<stage>-<id>.
func (s *Stack) physicalName(id string) string {
	return schema.TableName(s.TablePrefix(), id)
}

// TablePrefix is HOOKRELAY_TABLE_PREFIX of this stage: "hookrelay-<stage>-".
func (s *Stack) TablePrefix() string { return "hookrelay-" + s.props.Stage + "-" }

// retained is the removal policy of the resources that hold data.
func (s *Stack) retained() awscdk.RemovalPolicy {
	if s.props.DeletionProtection {
		return awscdk.RemovalPolicy_RETAIN
	}
	return awscdk.RemovalPolicy_DESTROY
}

func (s *Stack) addTables() {
	scope := constructs.NewConstruct(s.Stack, jsii.String("Tables"))
	for _, t := range schema.Tables() {
		tp := &awsdynamodb.TableProps{
			TableName:    jsii.String(s.physicalName(t.ID)),
			PartitionKey: attribute(t.PartitionKey),
			BillingMode:  awsdynamodb.BillingMode_PAY_PER_REQUEST,
			PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
				PointInTimeRecoveryEnabled: jsii.Bool(true),
			},
			DeletionProtection: jsii.Bool(s.props.DeletionProtection),
			RemovalPolicy:      s.retained(),
			Encryption:         awsdynamodb.TableEncryption_AWS_MANAGED,
		}
		if t.SortKey != nil {
			tp.SortKey = attribute(*t.SortKey)
		}
		if t.TTLAttribute != "" {
			tp.TimeToLiveAttribute = jsii.String(t.TTLAttribute)
		}
		if t.Stream {
			tp.Stream = awsdynamodb.StreamViewType_NEW_IMAGE
		}
		table := awsdynamodb.NewTable(scope, jsii.String(t.ID), tp)
		for _, ix := range t.Indexes {
			gp := &awsdynamodb.GlobalSecondaryIndexProps{
				IndexName:      jsii.String(ix.Name),
				PartitionKey:   attribute(ix.PartitionKey),
				ProjectionType: awsdynamodb.ProjectionType(ix.ProjectionType()),
			}
			if ix.SortKey != nil {
				gp.SortKey = attribute(*ix.SortKey)
			}
			table.AddGlobalSecondaryIndex(gp)
		}
		s.Tables[t.ID] = table
	}
}

func attribute(k schema.Key) *awsdynamodb.Attribute {
	typ := awsdynamodb.AttributeType_STRING
	if k.Type == schema.Number {
		typ = awsdynamodb.AttributeType_NUMBER
	}
	return &awsdynamodb.Attribute{Name: jsii.String(k.Name), Type: typ}
}

// fanoutFailuresID is the ID of the queue that receives the stream batches
// fanout gives up on. It exists only in AWS (the local runtime's stream
// poller has no on-failure destination), so shared/schema does not list it.
const fanoutFailuresID = "fanout-failures"

func (s *Stack) addQueues() {
	scope := constructs.NewConstruct(s.Stack, jsii.String("Queues"))
	queues := schema.Queues(s.props.Schedule.Attempts())
	// Dead-letter queues first: the queues that redrive to them refer to them.
	for pass := 0; pass < 2; pass++ {
		for _, q := range queues {
			if (q.DeadLetter == "") != (pass == 0) {
				continue
			}
			qp := &awssqs.QueueProps{
				QueueName:         jsii.String(s.physicalName(q.ID)),
				VisibilityTimeout: seconds(q.VisibilityTimeout),
				RetentionPeriod:   seconds(q.RetentionPeriod),
				Encryption:        awssqs.QueueEncryption_SQS_MANAGED,
				EnforceSSL:        jsii.Bool(true),
				RemovalPolicy:     awscdk.RemovalPolicy_DESTROY,
			}
			if q.DeadLetter != "" {
				qp.DeadLetterQueue = &awssqs.DeadLetterQueue{
					Queue:           s.Queues[q.DeadLetter],
					MaxReceiveCount: jsii.Number(q.MaxReceiveCount),
				}
			}
			s.Queues[q.ID] = awssqs.NewQueue(scope, jsii.String(q.ID), qp)
		}
	}
	s.FanoutFailures = awssqs.NewQueue(scope, jsii.String(fanoutFailuresID), &awssqs.QueueProps{
		QueueName:       jsii.String(s.physicalName(fanoutFailuresID)),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RemovalPolicy:   awscdk.RemovalPolicy_DESTROY,
	})
}

// addAdminKey generates the admin API key at deploy time. Its plaintext
// lives only in Secrets Manager; the api function reads it on its first
// request and caches it for five minutes. The secret has a generated name:
// a deleted secret keeps its name for its recovery window, which would stop
// a stage from being deployed again soon after `make destroy`.
func (s *Stack) addAdminKey() {
	s.AdminKey = awssecretsmanager.NewSecret(s.Stack, jsii.String("AdminKey"), &awssecretsmanager.SecretProps{
		Description: jsii.String("hookrelay admin API key (" + s.props.Stage + "): the plaintext is the key"),
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			PasswordLength:     jsii.Number(48),
			ExcludePunctuation: jsii.Bool(true),
			IncludeSpace:       jsii.Bool(false),
		},
		RemovalPolicy: s.retained(),
	})
}

// title upper-cases the first letter of each dash-separated word:
// "deliveries-dlq" → "DeliveriesDlq". For CloudFormation output IDs.
func title(id string) string {
	var b strings.Builder
	for _, w := range strings.Split(id, "-") {
		if w != "" {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	return b.String()
}
