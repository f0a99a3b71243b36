package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/hookrelay/hookrelay/shared/schema"
)

// Output IDs of the stack (`cdk deploy` prints them; `aws cloudformation
// describe-stacks` lists them). Tables add one output each, "Table" followed
// by the title-cased table ID ("TableEvents").
const (
	OutputAPIURL            = "ApiUrl"
	OutputDashboardURL      = "DashboardUrl"
	OutputAdminKeySecretARN = "AdminKeySecretArn"
	OutputAdminKeyCommand   = "AdminKeyCommand"
	OutputQueueURL          = "DeliveryQueueUrl"
	OutputDLQURL            = "DeadLetterQueueUrl"
	OutputFanoutFailuresURL = "FanoutFailuresQueueUrl"
	OutputTablePrefix       = "TablePrefix"
)

func (s *Stack) output(id, description string, value *string) {
	awscdk.NewCfnOutput(s.Stack, jsii.String(id), &awscdk.CfnOutputProps{
		Value:       value,
		Description: jsii.String(description),
	})
}

func (s *Stack) addOutputs() {
	region := *awscdk.Aws_REGION()
	s.output(OutputAPIURL, "Base URL of the hookrelay API (no trailing slash)", s.API.ApiEndpoint())
	s.output(OutputDashboardURL, "CloudWatch dashboard",
		jsii.String("https://"+region+".console.aws.amazon.com/cloudwatch/home?region="+region+"#dashboards:name="+*s.Dashboard.DashboardName()))
	s.output(OutputAdminKeySecretARN, "Secrets Manager secret whose value is the admin API key", s.AdminKey.SecretArn())
	s.output(OutputAdminKeyCommand, "Prints the admin API key",
		jsii.String("aws secretsmanager get-secret-value --region "+region+" --secret-id "+*s.AdminKey.SecretArn()+" --query SecretString --output text"))
	s.output(OutputQueueURL, "Delivery queue ("+schema.EnvQueueURL+")", s.Queues[schema.DeliveryQueue].QueueUrl())
	s.output(OutputDLQURL, "Dead-letter queue ("+schema.EnvDLQURL+")", s.Queues[schema.DeadLetterQueue].QueueUrl())
	s.output(OutputFanoutFailuresURL, "Stream batches fanout gave up on", s.FanoutFailures.QueueUrl())
	s.output(OutputTablePrefix, "Physical table name prefix ("+schema.EnvTablePrefix+")", jsii.String(s.TablePrefix()))
	for _, t := range schema.Tables() {
		s.output("Table"+title(t.ID), "DynamoDB table "+t.ID, s.Tables[t.ID].TableName())
	}
}
