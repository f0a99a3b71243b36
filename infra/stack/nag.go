package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Check applies cdk-nag's AwsSolutions rules to everything in scope: every
// finding that the stack has not suppressed, with its reason, is an error
// annotation, and `cdk synth` fails on it.
func Check(scope constructs.IConstruct) {
	awscdk.Aspects_Of(scope).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
}

// suppression is one accepted cdk-nag finding and the reason it is accepted.
type suppression struct {
	construct constructs.IConstruct
	children  bool
	rule      string
	appliesTo []string
	reason    string
}

// suppressions lists the cdk-nag findings the stack accepts, each with the
// reason it is accepted.
func (s *Stack) suppressions() []suppression {
	return []suppression{
		{
			construct: s.API, children: true, rule: "AwsSolutions-APIG4",
			reason: "Authentication is hookrelay's own bearer API key (SPEC §3), checked by the api function on every route: " +
				"keys are stored only as SHA-256 hashes in DynamoDB and tenant keys are scoped to their tenant, which no API Gateway authorizer can express. " +
				"GET /healthz is open by contract, and unmatched routes must answer the API's own 401/404.",
		},
		{
			construct: s.AdminKey, rule: "AwsSolutions-SMG4",
			reason: "The admin key is a bearer token for the hookrelay API, not a database credential with a rotation Lambda: " +
				"an operator rotates it with `aws secretsmanager put-secret-value` and the api function picks it up within 5 minutes (docs/deploy.md).",
		},
		{
			construct: s.FanoutFailures, rule: "AwsSolutions-SQS3",
			reason: "This queue is itself a dead-letter destination: the on-failure destination of the fanout function's events-stream mapping. " +
				"cdk-nag recognises only redrive-policy DLQs; an alarm fires when it holds a message.",
		},
		{
			construct: s.Functions[FunctionFanout].Role(), children: true, rule: "AwsSolutions-IAM5", appliesTo: []string{"Resource::*"},
			reason: "dynamodb:ListStreams, which the Lambda event source mapping of the events stream needs, has no resource type in IAM and takes only `*`; " +
				"every other stream action of this role is scoped to the events table's stream ARN.",
		},
	}
}

func (s *Stack) suppressNagFindings() {
	for _, x := range s.suppressions() {
		sup := &cdknag.NagPackSuppression{Id: jsii.String(x.rule), Reason: jsii.String(x.reason)}
		if len(x.appliesTo) > 0 {
			applies := make([]interface{}, len(x.appliesTo))
			for i, a := range x.appliesTo {
				applies[i] = a
			}
			sup.AppliesTo = &applies
		}
		cdknag.NagSuppressions_AddResourceSuppressions(x.construct, &[]*cdknag.NagPackSuppression{sup}, jsii.Bool(x.children))
	}
}
