package apigw_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/hookrelay/hookrelay/infra/local/localtest"
	"github.com/hookrelay/hookrelay/shared/adminkey"
	"github.com/hookrelay/hookrelay/shared/api"
	"github.com/hookrelay/hookrelay/shared/api/apigw"
	"github.com/hookrelay/hookrelay/shared/dynamo"
	"github.com/hookrelay/hookrelay/shared/sqs"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

func TestMain(m *testing.M) { os.Exit(localtest.Main(m)) }

// sampleAdminKey is the admin key in events/samples/apigw-v2-request.json.
const sampleAdminKey = "hr_sample_admin_key_for_tests_only"

// TestSampleRequest feeds the sample API Gateway v2 event through the
// adapter to the API over DynamoDB Local: the event is published.
func TestSampleRequest(t *testing.T) {
	env := localtest.New(t, 3)
	store := dynamo.New(env.DynamoDB, env.Prefix)
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	h := apigw.Handler(api.New(api.Config{
		Store:        store,
		Queue:        sqs.New(env.SQS, env.Queues.Delivery, env.Queues.DeadLetter),
		AdminKeyHash: adminkey.Static(sampleAdminKey),
		Logger:       log,
	}), log)
	ctx := context.Background()
	if err := store.CreateTenant(ctx, webhook.Tenant{ID: "acme", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	req := sample(t)
	res, err := h(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 202 || res.Headers["Content-Type"] != "application/json" {
		t.Fatalf("answer %d %v %s", res.StatusCode, res.Headers, res.Body)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(res.Body), &body); err != nil || body["id"] != "reg-1042" || body["type"] != "registration.created" {
		t.Fatalf("body %s (%v)", res.Body, err)
	}
	e, err := store.GetEvent(ctx, "acme", "reg-1042")
	if err != nil || string(e.Data) != `{"registration_id":1042,"program":"Spring retreat"}` {
		t.Fatalf("stored %+v, %v", e, err)
	}
	// The same request again is idempotent: 200.
	if res, _ := h(ctx, req); res.StatusCode != 200 {
		t.Fatalf("again: %d %s", res.StatusCode, res.Body)
	}
	// Without the key: 401; with a body that is not base64: 400, not a
	// failed invocation.
	delete(req.Headers, "authorization")
	if res, _ := h(ctx, req); res.StatusCode != 401 {
		t.Fatalf("no key: %d %s", res.StatusCode, res.Body)
	}
	req.Body = "%%%"
	if res, err := h(ctx, req); err != nil || res.StatusCode != 400 {
		t.Fatalf("bad base64: %d %v", res.StatusCode, err)
	}
}

// sample reads events/samples/apigw-v2-request.json.
func sample(t *testing.T) events.APIGatewayV2HTTPRequest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "events", "samples", "apigw-v2-request.json"))
	if err != nil {
		t.Fatal(err)
	}
	var req events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(b, &req); err != nil {
		t.Fatal(err)
	}
	return req
}
