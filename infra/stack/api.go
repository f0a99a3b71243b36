package stack

import (
	"encoding/json"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"
)

// Route is one route of the HTTP API: SPEC §3's table, plus GET /healthz.
type Route struct {
	Method string
	Path   string
}

// Routes lists every route of SPEC §3. Each is declared in API Gateway, so
// it has its own metrics and access-log route key; a `$default` route sends
// everything else to the api function too, whose own 404 and 401 answer it
// in the API's error format.
var Routes = []Route{
	{"GET", "/healthz"},
	{"POST", "/v1/tenants"},
	{"POST", "/v1/tenants/{tenant}/keys"},
	{"POST", "/v1/tenants/{tenant}/webhooks"},
	{"GET", "/v1/tenants/{tenant}/webhooks"},
	{"GET", "/v1/tenants/{tenant}/webhooks/{webhook}"},
	{"PATCH", "/v1/tenants/{tenant}/webhooks/{webhook}"},
	{"DELETE", "/v1/tenants/{tenant}/webhooks/{webhook}"},
	{"POST", "/v1/tenants/{tenant}/webhooks/{webhook}/secret/rotate"},
	{"POST", "/v1/tenants/{tenant}/webhooks/{webhook}/test"},
	{"POST", "/v1/tenants/{tenant}/webhooks/{webhook}/replay"},
	{"GET", "/v1/tenants/{tenant}/webhooks/{webhook}/deliveries"},
	{"POST", "/v1/tenants/{tenant}/events"},
	{"GET", "/v1/tenants/{tenant}/events/{event}"},
	{"GET", "/v1/tenants/{tenant}/deliveries/{delivery}"},
	{"POST", "/v1/tenants/{tenant}/deliveries/{delivery}/retry"},
	{"POST", "/v1/admin/dlq/redrive"},
	{"GET", "/v1/event-types"},
	{"GET", "/v1/openapi.json"},
}

// accessLogFormat is one JSON object per request. It leaves out the
// Authorization header and the bodies.
var accessLogFormat = map[string]string{
	"requestId":          "$context.requestId",
	"requestTime":        "$context.requestTime",
	"ip":                 "$context.identity.sourceIp",
	"userAgent":          "$context.identity.userAgent",
	"method":             "$context.httpMethod",
	"routeKey":           "$context.routeKey",
	"path":               "$context.path",
	"protocol":           "$context.protocol",
	"status":             "$context.status",
	"responseLength":     "$context.responseLength",
	"latencyMs":          "$context.responseLatency",
	"integrationLatency": "$context.integrationLatency",
	"integrationStatus":  "$context.integrationStatus",
	"integrationError":   "$context.integrationErrorMessage",
	"errorMessage":       "$context.error.message",
}

func (s *Stack) addAPI() {
	integration := awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("ApiIntegration"), s.Functions[FunctionAPI],
		&awsapigatewayv2integrations.HttpLambdaIntegrationProps{
			PayloadFormatVersion: awsapigatewayv2.PayloadFormatVersion_VERSION_2_0(),
		})
	s.API = awsapigatewayv2.NewHttpApi(s.Stack, jsii.String("Api"), &awsapigatewayv2.HttpApiProps{
		ApiName:            jsii.String(s.physicalName("api")),
		Description:        jsii.String("hookrelay API (" + s.props.Stage + ")"),
		CreateDefaultStage: jsii.Bool(false),
		DefaultIntegration: integration,
	})
	for _, r := range Routes {
		s.API.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
			Path:        jsii.String(r.Path),
			Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod(r.Method)},
			Integration: integration,
		})
	}

	accessLogs := awslogs.NewLogGroup(s.Stack, jsii.String("ApiAccessLogs"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String("/hookrelay/" + s.props.Stage + "/api-access"),
		Retention:     retentionDays[s.props.LogRetentionDays],
		RemovalPolicy: s.retained(),
	})
	s.LogGroups["api-access"] = accessLogs
	s.APIStage = awsapigatewayv2.NewHttpStage(s.Stack, jsii.String("ApiStage"), &awsapigatewayv2.HttpStageProps{
		HttpApi:    s.API,
		StageName:  jsii.String("$default"),
		AutoDeploy: jsii.Bool(true),
		Throttle: &awsapigatewayv2.ThrottleSettings{
			RateLimit:  jsii.Number(s.props.APIRateLimit),
			BurstLimit: jsii.Number(s.props.APIBurstLimit),
		},
	})
	format, _ := json.Marshal(accessLogFormat) // cannot fail: a map of strings
	cfn := s.APIStage.Node().DefaultChild().(awsapigatewayv2.CfnStage)
	cfn.SetAccessLogSettings(&awsapigatewayv2.CfnStage_AccessLogSettingsProperty{
		DestinationArn: accessLogs.LogGroupArn(),
		Format:         jsii.String(string(format)),
	})
}
