// Package apigw serves an http.Handler to API Gateway HTTP API (payload
// format 2.0) events in Lambda, through aws-lambda-go-api-proxy.
package apigw

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
)

// Handler returns the Lambda handler function for h. A request the adapter
// cannot turn into an http.Request (a malformed path or body encoding)
// answers 400 rather than failing the invocation, which API Gateway would
// answer 500.
func Handler(h http.Handler, log *slog.Logger) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	adapter := httpadapter.NewV2(h)
	return func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		res, err := adapter.ProxyWithContext(ctx, req)
		if err != nil {
			log.WarnContext(ctx, "api.bad_request_event", slog.String("error", err.Error()))
			return events.APIGatewayV2HTTPResponse{
				StatusCode: http.StatusBadRequest,
				Headers:    map[string]string{"Content-Type": "application/json"},
				Body:       `{"error":{"code":"bad_request","message":"the request could not be read"}}` + "\n",
			}, nil
		}
		return res, nil
	}
}
