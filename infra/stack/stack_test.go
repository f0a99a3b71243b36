package stack

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"

	"github.com/hookrelay/hookrelay/shared/schema"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

// The app is synthesised once, in TestMain, by the real CDK (through jsii),
// and every test reads the result:
//   - dev: the defaults, as `make deploy` ships them;
//   - e2e: every prop changed (alarm e-mail, deletion protection, a
//     three-attempt schedule, 90-day logs, private targets allowed);
//   - a canary stack with a non-compliant queue, which proves that cdk-nag
//     runs and that its findings surface as errors.
//
// The function assets are placeholder files: the tests inspect the template,
// not the binaries (make lambdas builds those; make synth uses them).
var (
	dev, e2e       *synthesized
	canaryMessages []*cxapi.SynthesisMessage
)

var e2eSchedule = webhook.Schedule{0, time.Second, time.Minute}

type synthesized struct {
	stack    *Stack
	props    Props
	tmpl     assertions.Template
	raw      template
	messages []*cxapi.SynthesisMessage
}

// template is the synthesised CloudFormation template, decoded in Go.
type template struct {
	Resources map[string]resource
	Outputs   map[string]struct {
		Value any
	}
}

type resource struct {
	Type           string
	Properties     map[string]any
	DeletionPolicy string
	Metadata       map[string]any
}

func TestMain(m *testing.M) {
	code, err := synth(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "synth:", err)
		code = 1
	}
	jsii.Close()
	os.Exit(code)
}

func synth(m *testing.M) (int, error) {
	dir, err := os.MkdirTemp("", "hookrelay-infra-test")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	assets := filepath.Join(dir, "assets")
	for _, f := range functions {
		if err := os.MkdirAll(filepath.Join(assets, f.name), 0o755); err != nil {
			return 0, err
		}
		// Distinct contents, so each function gets its own asset.
		if err := os.WriteFile(filepath.Join(assets, f.name, "bootstrap"), []byte("placeholder for "+f.name+"\n"), 0o755); err != nil {
			return 0, err
		}
	}
	out := filepath.Join(dir, "cdk.out")
	// The CLI asks for asset metadata; so does this app, to check it.
	ctx := map[string]any{"aws:cdk:enable-asset-metadata": true}
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(out), Context: &ctx})

	devStack, err := New(app, Props{AssetDir: assets})
	if err != nil {
		return 0, err
	}
	e2eProps := Props{
		Stage: "e2e", AssetDir: assets, AlarmEmail: "ops@example.com", DeletionProtection: true,
		Schedule: e2eSchedule, LogRetentionDays: 90, AllowPrivateTargets: true, DeliverMaxConcurrency: 7,
		APIRateLimit: 11, APIBurstLimit: 22, DenyCIDRs: "203.0.113.0/24,198.51.100.7",
	}
	e2eStack, err := New(app, e2eProps)
	if err != nil {
		return 0, err
	}
	canary := awscdk.NewStack(app, jsii.String("nag-canary"), nil)
	awssqs.NewQueue(canary, jsii.String("NoDLQNoTLS"), nil)
	Check(app)

	start := time.Now()
	assembly := app.Synth(nil)
	fmt.Fprintf(os.Stderr, "synthesised in %s\n", time.Since(start).Round(time.Millisecond))

	load := func(s *Stack, p Props) (*synthesized, error) {
		art := assembly.GetStackArtifact(s.ArtifactId())
		b, err := os.ReadFile(filepath.Join(out, *s.TemplateFile()))
		if err != nil {
			return nil, err
		}
		var raw template
		if err := json.Unmarshal(b, &raw); err != nil {
			return nil, err
		}
		p, _ = p.withDefaults()
		return &synthesized{stack: s, props: p, tmpl: assertions.Template_FromStack(s.Stack, nil), raw: raw, messages: *art.Messages()}, nil
	}
	if dev, err = load(devStack, Props{AssetDir: assets}); err != nil {
		return 0, err
	}
	if e2e, err = load(e2eStack, e2eProps); err != nil {
		return 0, err
	}
	canaryMessages = *assembly.GetStackArtifact(canary.ArtifactId()).Messages()
	return m.Run(), nil
}

// ofType returns the logical IDs and resources of one type, sorted by ID.
func (t template) ofType(typ string) map[string]resource {
	out := map[string]resource{}
	for id, r := range t.Resources {
		if r.Type == typ {
			out[id] = r
		}
	}
	return out
}

// byProp finds the one resource of a type whose property has a value.
func (t template) byProp(tb testing.TB, typ, prop, value string) (string, resource) {
	tb.Helper()
	for id, r := range t.ofType(typ) {
		if r.Properties[prop] == value {
			return id, r
		}
	}
	tb.Fatalf("no %s with %s = %q", typ, prop, value)
	return "", resource{}
}

// has and count are the assertions module's checks, reported as test
// failures (jsii turns a failed assertion into a panic).
func (s *synthesized) has(t *testing.T, typ string, props *map[string]any) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: %v", typ, r)
		}
	}()
	s.tmpl.HasResourceProperties(jsii.String(typ), props)
}

func (s *synthesized) count(t *testing.T, typ string, n int) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: %v", typ, r)
		}
	}()
	s.tmpl.ResourceCountIs(jsii.String(typ), jsii.Number(n))
}

func both(t *testing.T, f func(t *testing.T, s *synthesized)) {
	for _, s := range []*synthesized{dev, e2e} {
		t.Run(s.props.Stage, func(t *testing.T) { f(t, s) })
	}
}

func obj(kv ...any) *map[string]any {
	m := map[string]any{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return &m
}

func TestTablesComeFromSchema(t *testing.T) {
	both(t, func(t *testing.T, s *synthesized) {
		s.count(t, "AWS::DynamoDB::Table", len(schema.Tables()))
		for _, table := range schema.Tables() {
			keys := []any{map[string]any{"AttributeName": table.PartitionKey.Name, "KeyType": "HASH"}}
			if table.SortKey != nil {
				keys = append(keys, map[string]any{"AttributeName": table.SortKey.Name, "KeyType": "RANGE"})
			}
			props := obj(
				"TableName", "hookrelay-"+s.props.Stage+"-"+table.ID,
				"KeySchema", keys,
				"BillingMode", "PAY_PER_REQUEST",
				"PointInTimeRecoverySpecification", map[string]any{"PointInTimeRecoveryEnabled": true},
				"DeletionProtectionEnabled", s.props.DeletionProtection,
			)
			if table.TTLAttribute != "" {
				(*props)["TimeToLiveSpecification"] = map[string]any{"AttributeName": table.TTLAttribute, "Enabled": true}
			} else {
				(*props)["TimeToLiveSpecification"] = assertions.Match_Absent()
			}
			if table.Stream {
				(*props)["StreamSpecification"] = map[string]any{"StreamViewType": "NEW_IMAGE"}
			} else {
				(*props)["StreamSpecification"] = assertions.Match_Absent()
			}
			if len(table.Indexes) == 0 {
				(*props)["GlobalSecondaryIndexes"] = assertions.Match_Absent()
			}
			s.has(t, "AWS::DynamoDB::Table", props)

			_, r := s.raw.byProp(t, "AWS::DynamoDB::Table", "TableName", "hookrelay-"+s.props.Stage+"-"+table.ID)
			var got []string
			gsis, _ := r.Properties["GlobalSecondaryIndexes"].([]any)
			for _, g := range gsis {
				gm := g.(map[string]any)
				got = append(got, fmt.Sprint(gm["IndexName"], gm["KeySchema"], gm["Projection"]))
			}
			var want []string
			for _, ix := range table.Indexes {
				ks := []any{map[string]any{"AttributeName": ix.PartitionKey.Name, "KeyType": "HASH"}}
				if ix.SortKey != nil {
					ks = append(ks, map[string]any{"AttributeName": ix.SortKey.Name, "KeyType": "RANGE"})
				}
				want = append(want, fmt.Sprint(ix.Name, ks, map[string]any{"ProjectionType": string(ix.ProjectionType())}))
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("table %s indexes:\n got %v\nwant %v", table.ID, got, want)
			}
			wantPolicy := "Delete"
			if s.props.DeletionProtection {
				wantPolicy = "Retain"
			}
			if r.DeletionPolicy != wantPolicy {
				t.Errorf("table %s DeletionPolicy = %q, want %q", table.ID, r.DeletionPolicy, wantPolicy)
			}
		}
	})
}

func TestQueues(t *testing.T) {
	both(t, func(t *testing.T, s *synthesized) {
		queues := schema.Queues(s.props.Schedule.Attempts())
		s.count(t, "AWS::SQS::Queue", len(queues)+1)
		_, deliver := s.raw.byProp(t, "AWS::Lambda::Function", "FunctionName", "hookrelay-"+s.props.Stage+"-deliver")
		deliverTimeout := deliver.Properties["Timeout"].(float64)
		if deliverTimeout != schema.DeliverTimeout.Seconds() {
			t.Errorf("deliver timeout = %vs, want schema.DeliverTimeout", deliverTimeout)
		}
		for _, q := range queues {
			_, r := s.raw.byProp(t, "AWS::SQS::Queue", "QueueName", "hookrelay-"+s.props.Stage+"-"+q.ID)
			if got := r.Properties["VisibilityTimeout"].(float64); got < 6*deliverTimeout || got != q.VisibilityTimeout.Seconds() {
				t.Errorf("queue %s visibility %vs: want schema's %s, at least 6 × deliver's %vs", q.ID, got, q.VisibilityTimeout, deliverTimeout)
			}
			if got := r.Properties["MessageRetentionPeriod"]; got != q.RetentionPeriod.Seconds() {
				t.Errorf("queue %s retention = %v, want %v", q.ID, got, q.RetentionPeriod.Seconds())
			}
			if q.DeadLetter == "" {
				if _, ok := r.Properties["RedrivePolicy"]; ok {
					t.Errorf("queue %s has a redrive policy", q.ID)
				}
				continue
			}
			dlqID, _ := s.raw.byProp(t, "AWS::SQS::Queue", "QueueName", "hookrelay-"+s.props.Stage+"-"+q.DeadLetter)
			rp, _ := r.Properties["RedrivePolicy"].(map[string]any)
			want := float64(schema.MaxReceiveCount(len(s.props.Schedule)))
			if rp["maxReceiveCount"] != want {
				t.Errorf("queue %s maxReceiveCount = %v, want %v (schedule of %d attempts)", q.ID, rp["maxReceiveCount"], want, len(s.props.Schedule))
			}
			if fmt.Sprint(rp["deadLetterTargetArn"]) != fmt.Sprint(map[string]any{"Fn::GetAtt": []any{dlqID, "Arn"}}) {
				t.Errorf("queue %s dead-letters to %v, want %s", q.ID, rp["deadLetterTargetArn"], dlqID)
			}
		}
		// Encrypted at rest, TLS only.
		for id, r := range s.raw.ofType("AWS::SQS::Queue") {
			if r.Properties["SqsManagedSseEnabled"] != true {
				t.Errorf("queue %s is not encrypted", id)
			}
			s.has(t, "AWS::SQS::QueuePolicy", obj(
				"Queues", []any{map[string]any{"Ref": id}},
				"PolicyDocument", assertions.Match_ObjectLike(obj("Statement", assertions.Match_ArrayWith(&[]any{
					assertions.Match_ObjectLike(obj("Effect", "Deny", "Condition", map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}})),
				}))),
			))
		}
	})
	if schema.MaxReceiveCount(len(webhook.DefaultSchedule)) == schema.MaxReceiveCount(len(e2eSchedule)) {
		t.Fatal("the two stacks' schedules must differ in length for the maxReceiveCount check to mean anything")
	}
}

func TestFunctions(t *testing.T) {
	both(t, func(t *testing.T, s *synthesized) {
		fns := s.raw.ofType("AWS::Lambda::Function")
		if len(fns) != len(functions) {
			t.Fatalf("%d functions, want %d", len(fns), len(functions))
		}
		prefix := "hookrelay-" + s.props.Stage + "-"
		for _, f := range functions {
			id, r := s.raw.byProp(t, "AWS::Lambda::Function", "FunctionName", prefix+f.name)
			p := r.Properties
			if p["Runtime"] != "provided.al2023" || p["Handler"] != "bootstrap" || fmt.Sprint(p["Architectures"]) != "[arm64]" {
				t.Errorf("%s: runtime %v, handler %v, architectures %v; want provided.al2023, bootstrap, [arm64]", f.name, p["Runtime"], p["Handler"], p["Architectures"])
			}
			if _, ok := p["Code"].(map[string]any)["S3Key"]; !ok {
				t.Errorf("%s: code is not an asset: %v", f.name, p["Code"])
			}
			if path, _ := r.Metadata["aws:asset:path"].(string); path == "" || r.Metadata["aws:asset:is-bundled"] != false {
				t.Errorf("%s: asset metadata %v: want a file asset without bundling", f.name, r.Metadata)
			}
			lg, _ := p["LoggingConfig"].(map[string]any)
			lgID, _ := s.raw.byProp(t, "AWS::Logs::LogGroup", "LogGroupName", "/aws/lambda/"+prefix+f.name)
			if lg["LogFormat"] != "JSON" || fmt.Sprint(lg["LogGroup"]) != fmt.Sprint(map[string]any{"Ref": lgID}) {
				t.Errorf("%s: logging %v: want JSON into %s", f.name, lg, lgID)
			}
			env := p["Environment"].(map[string]any)["Variables"].(map[string]any)
			want := map[string]any{
				schema.EnvTablePrefix:         prefix,
				schema.EnvRetrySchedule:       s.props.Schedule.String(),
				schema.EnvAllowPrivateTargets: fmt.Sprint(s.props.AllowPrivateTargets),
				schema.EnvQueueURL:            map[string]any{"Ref": mustID(t, s, "AWS::SQS::Queue", "QueueName", prefix+schema.DeliveryQueue)},
				schema.EnvDLQURL:              map[string]any{"Ref": mustID(t, s, "AWS::SQS::Queue", "QueueName", prefix+schema.DeadLetterQueue)},
			}
			if f.name == FunctionAPI {
				want[schema.EnvAdminKeySecretARN] = map[string]any{"Ref": s.secretID(t)}
			}
			if f.name == FunctionDeliver && s.props.DenyCIDRs != "" {
				want["HOOKRELAY_DENY_CIDRS"] = s.props.DenyCIDRs
			}
			if fmt.Sprint(env) != fmt.Sprint(want) {
				t.Errorf("%s (%s) environment:\n got %v\nwant %v", f.name, id, env, want)
			}
			if sched, err := webhook.ParseSchedule(env[schema.EnvRetrySchedule].(string)); err != nil || fmt.Sprint(sched) != fmt.Sprint(s.props.Schedule) {
				t.Errorf("%s: HOOKRELAY_RETRY_SCHEDULE does not parse back: %v, %v", f.name, sched, err)
			}
			if p["Timeout"] != f.timeout.Seconds() {
				t.Errorf("%s: timeout %v, want %v", f.name, p["Timeout"], f.timeout.Seconds())
			}
		}
	})
	// Private targets stay off unless a deployment asks.
	_, r := dev.raw.byProp(t, "AWS::Lambda::Function", "FunctionName", "hookrelay-dev-deliver")
	if got := r.Properties["Environment"].(map[string]any)["Variables"].(map[string]any)[schema.EnvAllowPrivateTargets]; got != "false" {
		t.Errorf("default %s = %v, want false", schema.EnvAllowPrivateTargets, got)
	}
}

// secretID is the logical ID of the stack's one secret, the admin key.
func (s *synthesized) secretID(t *testing.T) string {
	t.Helper()
	secrets := s.raw.ofType("AWS::SecretsManager::Secret")
	if len(secrets) != 1 {
		t.Fatalf("%d secrets, want 1", len(secrets))
	}
	for id := range secrets {
		return id
	}
	return ""
}

func mustID(t *testing.T, s *synthesized, typ, prop, value string) string {
	t.Helper()
	id, _ := s.raw.byProp(t, typ, prop, value)
	return id
}

func TestEventSourceMappings(t *testing.T) {
	both(t, func(t *testing.T, s *synthesized) {
		prefix := "hookrelay-" + s.props.Stage + "-"
		s.count(t, "AWS::Lambda::EventSourceMapping", 2)
		fanout := mustID(t, s, "AWS::Lambda::Function", "FunctionName", prefix+FunctionFanout)
		deliver := mustID(t, s, "AWS::Lambda::Function", "FunctionName", prefix+FunctionDeliver)
		events := mustID(t, s, "AWS::DynamoDB::Table", "TableName", prefix+schema.Events)
		queue := mustID(t, s, "AWS::SQS::Queue", "QueueName", prefix+schema.DeliveryQueue)
		failures := mustID(t, s, "AWS::SQS::Queue", "QueueName", prefix+fanoutFailuresID)

		s.has(t, "AWS::Lambda::EventSourceMapping", obj(
			"FunctionName", map[string]any{"Ref": fanout},
			"EventSourceArn", map[string]any{"Fn::GetAtt": []any{events, "StreamArn"}},
			"FunctionResponseTypes", []any{"ReportBatchItemFailures"},
			"BisectBatchOnFunctionError", true,
			"MaximumRetryAttempts", streamRetryAttempts,
			"MaximumRecordAgeInSeconds", streamMaxRecordAge.Seconds(),
			"StartingPosition", "TRIM_HORIZON",
			"FilterCriteria", map[string]any{"Filters": []any{map[string]any{"Pattern": `{"eventName":["INSERT"]}`}}},
			"DestinationConfig", map[string]any{"OnFailure": map[string]any{"Destination": map[string]any{"Fn::GetAtt": []any{failures, "Arn"}}}},
		))
		s.has(t, "AWS::Lambda::EventSourceMapping", obj(
			"FunctionName", map[string]any{"Ref": deliver},
			"EventSourceArn", map[string]any{"Fn::GetAtt": []any{queue, "Arn"}},
			"FunctionResponseTypes", []any{"ReportBatchItemFailures"},
			"BatchSize", 10,
			"MaximumBatchingWindowInSeconds", assertions.Match_AnyValue(),
			"ScalingConfig", map[string]any{"MaximumConcurrency": s.props.DeliverMaxConcurrency},
		))
		// Every mapping reports partial batch failures, whatever else is added.
		for id, r := range s.raw.ofType("AWS::Lambda::EventSourceMapping") {
			if fmt.Sprint(r.Properties["FunctionResponseTypes"]) != "[ReportBatchItemFailures]" {
				t.Errorf("%s does not report batch item failures", id)
			}
		}
	})
}

func TestAPI(t *testing.T) {
	both(t, func(t *testing.T, s *synthesized) {
		routes := s.raw.ofType("AWS::ApiGatewayV2::Route")
		integrations := s.raw.ofType("AWS::ApiGatewayV2::Integration")
		if len(integrations) != 1 {
			t.Fatalf("%d integrations, want 1", len(integrations))
		}
		var integrationID string
		for id, r := range integrations {
			integrationID = id
			if r.Properties["IntegrationType"] != "AWS_PROXY" || r.Properties["PayloadFormatVersion"] != "2.0" {
				t.Errorf("integration %v", r.Properties)
			}
		}
		got := map[string]bool{}
		for id, r := range routes {
			got[r.Properties["RouteKey"].(string)] = true
			target := fmt.Sprint(r.Properties["Target"])
			if !strings.Contains(target, integrationID) {
				t.Errorf("route %s targets %s, want the api function's integration", id, target)
			}
		}
		want := []string{"$default"}
		for _, r := range Routes {
			want = append(want, r.Method+" "+r.Path)
		}
		for _, k := range want {
			if !got[k] {
				t.Errorf("route %q missing", k)
			}
		}
		if len(got) != len(want) {
			t.Errorf("%d routes, want %d: %v", len(got), len(want), got)
		}

		stages := s.raw.ofType("AWS::ApiGatewayV2::Stage")
		if len(stages) != 1 {
			t.Fatalf("%d stages, want 1", len(stages))
		}
		for _, st := range stages {
			p := st.Properties
			rs := p["DefaultRouteSettings"].(map[string]any)
			if rs["ThrottlingRateLimit"] != s.props.APIRateLimit || rs["ThrottlingBurstLimit"] != s.props.APIBurstLimit {
				t.Errorf("stage throttling %v, want %v/%v", rs, s.props.APIRateLimit, s.props.APIBurstLimit)
			}
			als := p["AccessLogSettings"].(map[string]any)
			var format map[string]string
			if err := json.Unmarshal([]byte(als["Format"].(string)), &format); err != nil {
				t.Fatalf("access log format is not JSON: %v", err)
			}
			for _, k := range []string{"requestId", "routeKey", "status", "latencyMs"} {
				if format[k] == "" {
					t.Errorf("access log format lacks %s", k)
				}
			}
			lg := mustID(t, s, "AWS::Logs::LogGroup", "LogGroupName", "/hookrelay/"+s.props.Stage+"/api-access")
			if fmt.Sprint(als["DestinationArn"]) != fmt.Sprint(map[string]any{"Fn::GetAtt": []any{lg, "Arn"}}) {
				t.Errorf("access logs go to %v, want %s", als["DestinationArn"], lg)
			}
		}
	})
}

// label names the resource an IAM statement's Resource entry points to, so
// the expected policies read like the brief: "table:events",
// "index:events/by_type", "stream:events", "queue:deliveries",
// "logs:api", "secret:admin-key", or "*".
func (s *synthesized) label(t *testing.T, v any) string {
	t.Helper()
	names := map[string]string{}
	for id, r := range s.raw.Resources {
		switch r.Type {
		case "AWS::DynamoDB::Table":
			names[id] = strings.TrimPrefix(r.Properties["TableName"].(string), s.stack.TablePrefix())
		case "AWS::SQS::Queue":
			names[id] = strings.TrimPrefix(r.Properties["QueueName"].(string), s.stack.TablePrefix())
		case "AWS::Logs::LogGroup":
			names[id] = strings.TrimPrefix(r.Properties["LogGroupName"].(string), "/aws/lambda/"+s.stack.TablePrefix())
		case "AWS::SecretsManager::Secret":
			names[id] = "admin-key"
		}
	}
	kinds := map[string]string{"AWS::DynamoDB::Table": "table", "AWS::SQS::Queue": "queue", "AWS::Logs::LogGroup": "logs", "AWS::SecretsManager::Secret": "secret"}
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		if ref, ok := x["Ref"].(string); ok {
			return kinds[s.raw.Resources[ref].Type] + ":" + names[ref]
		}
		if ga, ok := x["Fn::GetAtt"].([]any); ok {
			id := ga[0].(string)
			kind := kinds[s.raw.Resources[id].Type]
			if ga[1] == "StreamArn" {
				kind = "stream"
			}
			return kind + ":" + names[id]
		}
		if j, ok := x["Fn::Join"].([]any); ok {
			parts := j[1].([]any)
			if len(parts) == 2 {
				if suffix, ok := parts[1].(string); ok && strings.HasPrefix(suffix, "/index/") {
					return "index:" + strings.TrimPrefix(s.label(t, parts[0]), "table:") + "/" + strings.TrimPrefix(suffix, "/index/")
				}
			}
		}
	}
	t.Fatalf("unrecognised IAM resource %v", v)
	return ""
}

// grants returns each "action resource" pair that the policies attached to
// a role allow.
func (s *synthesized) grants(t *testing.T, roleID string) []string {
	t.Helper()
	var out []string
	for id, r := range s.raw.ofType("AWS::IAM::Policy") {
		if fmt.Sprint(r.Properties["Roles"]) != fmt.Sprint([]any{map[string]any{"Ref": roleID}}) {
			continue
		}
		for _, st := range r.Properties["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			stm := st.(map[string]any)
			if stm["Effect"] != "Allow" {
				t.Errorf("policy %s: unexpected effect %v", id, stm["Effect"])
			}
			actions, resources := list(stm["Action"]), list(stm["Resource"])
			for _, a := range actions {
				for _, res := range resources {
					out = append(out, a.(string)+" "+s.label(t, res))
				}
			}
		}
	}
	sort.Strings(out)
	return dedupe(out)
}

func list(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

func dedupe(s []string) []string {
	var out []string
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

// cross returns every "action resource" pair.
func cross(actions []string, resources ...string) []string {
	var out []string
	for _, a := range actions {
		for _, r := range resources {
			out = append(out, a+" "+r)
		}
	}
	return out
}

func TestLeastPrivilege(t *testing.T) {
	tables := []string{"table:tenants", "table:keys", "table:webhooks", "table:events", "table:deliveries"}
	indexes := []string{"index:events/by_type", "index:deliveries/by_webhook", "index:deliveries/by_event", "index:deliveries/by_pending"}
	logs := func(fn string) []string {
		return cross([]string{"logs:CreateLogStream", "logs:PutLogEvents"}, "logs:"+fn)
	}
	want := map[string][][]string{
		FunctionAPI: {
			logs("api"),
			cross([]string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query", "dynamodb:BatchGetItem"}, tables...),
			cross([]string{"dynamodb:Query"}, indexes...),
			cross([]string{"sqs:SendMessage"}, "queue:deliveries"),
			cross([]string{"sqs:ReceiveMessage", "sqs:DeleteMessage"}, "queue:deliveries-dlq"),
			cross([]string{"secretsmanager:GetSecretValue"}, "secret:admin-key"),
		},
		FunctionFanout: {
			logs("fanout"),
			cross([]string{"dynamodb:Query"}, "table:webhooks"),
			cross([]string{"dynamodb:BatchGetItem", "dynamodb:BatchWriteItem"}, "table:deliveries"),
			cross([]string{"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"}, "stream:events"),
			cross([]string{"dynamodb:ListStreams"}, "*"),
			cross([]string{"sqs:SendMessage"}, "queue:deliveries"),
			cross([]string{"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}, "queue:fanout-failures"),
		},
		FunctionDeliver: {
			logs("deliver"),
			cross([]string{"dynamodb:GetItem", "dynamodb:BatchGetItem"}, "table:events", "table:webhooks", "table:deliveries"),
			cross([]string{"dynamodb:UpdateItem"}, "table:deliveries"),
			cross([]string{"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}, "queue:deliveries"),
			cross([]string{"sqs:SendMessage"}, "queue:deliveries-dlq"),
			cross([]string{"sqs:SendMessage"}, "queue:deliveries"),
			cross([]string{"dynamodb:UpdateItem"}, "table:webhooks"),
		},
		FunctionSweeper: {
			logs("sweeper"),
			cross([]string{"dynamodb:Query"}, "index:deliveries/by_pending"),
			cross([]string{"dynamodb:GetItem"}, "table:webhooks"),
			cross([]string{"sqs:SendMessage"}, "queue:deliveries"),
		},
	}
	both(t, func(t *testing.T, s *synthesized) {
		prefix := "hookrelay-" + s.props.Stage + "-"
		roles := s.raw.ofType("AWS::IAM::Role")
		if len(roles) != len(functions) {
			t.Errorf("%d roles, want one per function", len(roles))
		}
		for id, r := range roles {
			if _, ok := r.Properties["ManagedPolicyArns"]; ok {
				t.Errorf("role %s has managed policies %v", id, r.Properties["ManagedPolicyArns"])
			}
			if _, ok := r.Properties["Policies"]; ok {
				t.Errorf("role %s has inline policies outside the checked ones", id)
			}
		}
		for _, f := range functions {
			_, fn := s.raw.byProp(t, "AWS::Lambda::Function", "FunctionName", prefix+f.name)
			roleID := fn.Properties["Role"].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)
			var w []string
			for _, g := range want[f.name] {
				w = append(w, g...)
			}
			sort.Strings(w)
			got := s.grants(t, roleID)
			if strings.Join(got, "\n") != strings.Join(dedupe(w), "\n") {
				t.Errorf("%s grants:\n got %s\nwant %s", f.name, strings.Join(got, "\n     "), strings.Join(dedupe(w), "\n     "))
			}
		}
		// Only dynamodb:ListStreams, which has no resource type, may use "*";
		// no action is a wildcard.
		for id, r := range s.raw.ofType("AWS::IAM::Policy") {
			for _, st := range r.Properties["PolicyDocument"].(map[string]any)["Statement"].([]any) {
				stm := st.(map[string]any)
				for _, a := range list(stm["Action"]) {
					if strings.Contains(a.(string), "*") {
						t.Errorf("policy %s: wildcard action %v", id, a)
					}
				}
				for _, res := range list(stm["Resource"]) {
					if str, ok := res.(string); ok && strings.Contains(str, "*") && fmt.Sprint(list(stm["Action"])) != "[dynamodb:ListStreams]" {
						t.Errorf("policy %s: %v on %q where an ARN fits", id, stm["Action"], str)
					}
				}
			}
		}
	})
}

func TestLogsMetricsAndQueries(t *testing.T) {
	both(t, func(t *testing.T, s *synthesized) {
		for id, r := range s.raw.ofType("AWS::Logs::LogGroup") {
			if r.Properties["RetentionInDays"] != float64(s.props.LogRetentionDays) {
				t.Errorf("log group %s retention %v, want %d", id, r.Properties["RetentionInDays"], s.props.LogRetentionDays)
			}
			wantPolicy := map[bool]string{true: "Retain", false: "Delete"}[s.props.DeletionProtection]
			if r.DeletionPolicy != wantPolicy {
				t.Errorf("log group %s DeletionPolicy %q, want %q", id, r.DeletionPolicy, wantPolicy)
			}
		}
		s.count(t, "AWS::Logs::LogGroup", len(functions)+1)

		deliverLogs := mustID(t, s, "AWS::Logs::LogGroup", "LogGroupName", "/aws/lambda/hookrelay-"+s.props.Stage+"-deliver")
		ns := "hookrelay/" + s.props.Stage
		for metric, pattern := range map[string]string{
			MetricDelivered: `{ ($.msg = "delivery.attempt") && ($.outcome = "succeeded") }`,
			MetricRetried:   `{ ($.msg = "delivery.attempt") && ($.outcome = "retrying") }`,
			MetricFailed:    `{ ($.msg = "delivery.attempt") && ($.outcome = "failed") }`,
		} {
			s.has(t, "AWS::Logs::MetricFilter", obj(
				"LogGroupName", map[string]any{"Ref": deliverLogs},
				"FilterPattern", pattern,
				"MetricTransformations", []any{map[string]any{"MetricNamespace": ns, "MetricName": metric, "MetricValue": "1", "Unit": "Count"}},
			))
		}
		s.has(t, "AWS::Logs::MetricFilter", obj(
			"LogGroupName", map[string]any{"Ref": deliverLogs},
			"FilterPattern", `{ $.msg = "delivery.attempt" }`,
			"MetricTransformations", []any{map[string]any{"MetricNamespace": ns, "MetricName": MetricLatency, "MetricValue": "$.duration_ms", "Unit": "Milliseconds"}},
		))
		s.count(t, "AWS::Logs::MetricFilter", 4)

		queries := s.raw.ofType("AWS::Logs::QueryDefinition")
		byName := map[string]string{}
		for _, q := range queries {
			byName[q.Properties["Name"].(string)] = q.Properties["QueryString"].(string)
			if fmt.Sprint(q.Properties["LogGroupNames"]) != fmt.Sprint([]any{map[string]any{"Ref": deliverLogs}}) {
				t.Errorf("query %v reads %v, want the deliver log group", q.Properties["Name"], q.Properties["LogGroupNames"])
			}
		}
		for name, needles := range map[string][]string{
			"Deliveries of one webhook": {`filter msg = "delivery.attempt"`, `webhook_id = "wh_REPLACE_ME"`, "sort @timestamp desc"},
			"Failures in the last hour": {`filter msg = "delivery.attempt"`, `outcome != "succeeded"`, "error", "status_code"},
			"Failures by webhook":       {`outcome != "succeeded"`, "by tenant_id, webhook_id"},
			"Slowest endpoints":         {"pct(duration_ms, 95)", "by tenant_id, webhook_id", "sort p95_ms desc"},
		} {
			q, ok := byName["hookrelay-"+s.props.Stage+"/"+name]
			if !ok {
				t.Errorf("saved query %q missing; have %v", name, byName)
				continue
			}
			for _, n := range needles {
				if !strings.Contains(q, n) {
					t.Errorf("query %q lacks %q:\n%s", name, n, q)
				}
			}
		}
		if len(queries) != 4 {
			t.Errorf("%d saved queries, want 4", len(queries))
		}
	})
}

// The SPEC §4 log fields are the ones the queries show.
func TestQueriesUseSpecFields(t *testing.T) {
	spec := []string{"tenant_id", "webhook_id", "event_id", "delivery_id", "attempt", "status_code", "duration_ms", "outcome", "error"}
	have := strings.Join(attemptFields, " ")
	for _, f := range spec {
		if !strings.Contains(have, f) {
			t.Errorf("queries do not show %s", f)
		}
	}
}

func TestAlarms(t *testing.T) {
	type alarm struct{ namespace, metric, stat string }
	want := map[string]alarm{
		"dead-letters":        {"AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum"},
		"fanout-failures":     {"AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum"},
		"oldest-message":      {"AWS/SQS", "ApproximateAgeOfOldestMessage", "Maximum"},
		"stream-iterator-age": {"AWS/Lambda", "IteratorAge", "Maximum"},
		"api5xx":              {"AWS/ApiGateway", "5xx", "Sum"},
	}
	for _, f := range functions {
		want[f.name+"-errors"] = alarm{"AWS/Lambda", "Errors", "Sum"}
		want[f.name+"-throttles"] = alarm{"AWS/Lambda", "Throttles", "Sum"}
	}
	both(t, func(t *testing.T, s *synthesized) {
		prefix := "hookrelay-" + s.props.Stage + "-"
		alarms := s.raw.ofType("AWS::CloudWatch::Alarm")
		if len(alarms) != len(want) {
			t.Errorf("%d alarms, want %d", len(alarms), len(want))
		}
		var topic string
		if s.props.AlarmEmail != "" {
			topic = mustID(t, s, "AWS::SNS::Topic", "TopicName", prefix+"alarms")
			s.has(t, "AWS::SNS::Subscription", obj(
				"Protocol", "email", "Endpoint", s.props.AlarmEmail, "TopicArn", map[string]any{"Ref": topic}))
		} else {
			s.count(t, "AWS::SNS::Topic", 0)
		}
		for name, w := range want {
			_, r := s.raw.byProp(t, "AWS::CloudWatch::Alarm", "AlarmName", prefix+name)
			p := r.Properties
			if p["Namespace"] != w.namespace || p["MetricName"] != w.metric || p["Statistic"] != w.stat {
				t.Errorf("alarm %s watches %v %v %v, want %v", name, p["Namespace"], p["MetricName"], p["Statistic"], w)
			}
			if p["TreatMissingData"] != "notBreaching" {
				t.Errorf("alarm %s: missing data %v", name, p["TreatMissingData"])
			}
			actions := fmt.Sprint(p["AlarmActions"])
			if topic != "" && actions != fmt.Sprint([]any{map[string]any{"Ref": topic}}) {
				t.Errorf("alarm %s actions %s, want the topic", name, actions)
			}
			if topic == "" && p["AlarmActions"] != nil {
				t.Errorf("alarm %s notifies %s without an alarm e-mail", name, actions)
			}
		}
		_, r := s.raw.byProp(t, "AWS::CloudWatch::Alarm", "AlarmName", prefix+"oldest-message")
		if got, want := r.Properties["Threshold"], s.stack.OldestMessageThreshold().Seconds(); got != want {
			t.Errorf("oldest-message threshold %v, want %v", got, want)
		}
		if r.Properties["ComparisonOperator"] != "GreaterThanOrEqualToThreshold" {
			t.Errorf("comparison %v", r.Properties["ComparisonOperator"])
		}
	})
	if got := dev.stack.OldestMessageThreshold(); got != 15*time.Minute+5*time.Second+5*time.Minute {
		t.Errorf("default oldest-message threshold %s", got)
	}
	if got := e2e.stack.OldestMessageThreshold(); got != 15*time.Minute+time.Second+time.Minute {
		t.Errorf("e2e oldest-message threshold %s", got)
	}
}

func TestDashboard(t *testing.T) {
	both(t, func(t *testing.T, s *synthesized) {
		boards := s.raw.ofType("AWS::CloudWatch::Dashboard")
		if len(boards) != 1 {
			t.Fatalf("%d dashboards, want 1", len(boards))
		}
		for _, b := range boards {
			if b.Properties["DashboardName"] != "hookrelay-"+s.props.Stage {
				t.Errorf("dashboard name %v", b.Properties["DashboardName"])
			}
			body, _ := json.Marshal(b.Properties["DashboardBody"])
			for _, n := range []string{MetricDelivered, MetricRetried, MetricFailed, MetricLatency, "hookrelay/" + s.props.Stage,
				"ApproximateAgeOfOldestMessage", "IteratorAge", "Throttles", "5xx", `"type\":\"alarm\"`, `"type\":\"log\"`} {
				if !strings.Contains(string(body), n) {
					t.Errorf("dashboard lacks %s", n)
				}
			}
		}
	})
}

func TestOutputs(t *testing.T) {
	want := []string{OutputAPIURL, OutputDashboardURL, OutputAdminKeySecretARN, OutputAdminKeyCommand, OutputQueueURL, OutputDLQURL, OutputFanoutFailuresURL, OutputTablePrefix}
	for _, table := range schema.Tables() {
		want = append(want, "Table"+title(table.ID))
	}
	both(t, func(t *testing.T, s *synthesized) {
		for _, o := range want {
			if _, ok := s.raw.Outputs[o]; !ok {
				t.Errorf("output %s missing", o)
			}
		}
		if got := s.raw.Outputs[OutputTablePrefix].Value; got != "hookrelay-"+s.props.Stage+"-" {
			t.Errorf("table prefix output %v", got)
		}
		var apiID string
		for id := range s.raw.ofType("AWS::ApiGatewayV2::Api") {
			apiID = id
		}
		if got, want := fmt.Sprint(s.raw.Outputs[OutputAPIURL].Value), fmt.Sprint(map[string]any{"Fn::GetAtt": []any{apiID, "ApiEndpoint"}}); got != want {
			t.Errorf("API URL %s, want %s (the $default stage's endpoint, no trailing slash)", got, want)
		}
		dash, _ := json.Marshal(s.raw.Outputs[OutputDashboardURL].Value)
		if !strings.Contains(string(dash), "#dashboards:name=") {
			t.Errorf("dashboard URL %s", dash)
		}
	})
}

func TestAdminKeySecret(t *testing.T) {
	both(t, func(t *testing.T, s *synthesized) {
		r := s.raw.Resources[s.secretID(t)]
		if _, named := r.Properties["Name"]; named {
			t.Errorf("the admin key secret has a fixed name: a destroyed stage could not be deployed again within the recovery window")
		}
		gen := r.Properties["GenerateSecretString"].(map[string]any)
		if gen["PasswordLength"] != 48.0 || gen["ExcludePunctuation"] != true || gen["IncludeSpace"] != false {
			t.Errorf("admin key generator %v: want 48 characters, no punctuation, no space", gen)
		}
		if _, ok := gen["SecretStringTemplate"]; ok {
			t.Errorf("admin key is a JSON document, want the plain key")
		}
		s.count(t, "AWS::SecretsManager::RotationSchedule", 0)
	})
}

func TestNag(t *testing.T) {
	// The canary proves the pack runs and its findings are errors.
	var canary []string
	for _, m := range canaryMessages {
		if m.Level == cxapi.SynthesisMessageLevel_ERROR {
			canary = append(canary, fmt.Sprint(m.Entry.Data))
		}
	}
	for _, rule := range []string{"AwsSolutions-SQS3", "AwsSolutions-SQS4"} {
		if !strings.Contains(strings.Join(canary, "\n"), rule) {
			t.Errorf("the canary queue did not trip %s: %v", rule, canary)
		}
	}

	both(t, func(t *testing.T, s *synthesized) {
		for _, m := range s.messages {
			if m.Level == cxapi.SynthesisMessageLevel_ERROR || m.Level == cxapi.SynthesisMessageLevel_WARNING {
				t.Errorf("%s at %s: %v", m.Level, *m.Id, m.Entry.Data)
			}
		}
		// Every suppression in the template is one of the reasoned ones.
		known := map[string]bool{}
		for _, x := range s.stack.suppressions() {
			known[x.rule] = true
			if len(x.reason) < 80 {
				t.Errorf("suppression of %s has no real reason: %q", x.rule, x.reason)
			}
		}
		for id, r := range s.raw.Resources {
			nag, _ := r.Metadata["cdk_nag"].(map[string]any)
			for _, rule := range list(nag["rules_to_suppress"]) {
				if rule == nil {
					continue
				}
				rm := rule.(map[string]any)
				if !known[rm["id"].(string)] || len(fmt.Sprint(rm["reason"])) < 80 {
					t.Errorf("%s: unexpected suppression %v", id, rm)
				}
			}
		}
	})
}

func TestPropsFromContext(t *testing.T) {
	tests := []struct {
		name    string
		ctx     map[string]any
		want    func(p Props) bool
		wantErr string
	}{
		{"defaults", nil, func(p Props) bool {
			return p.Stage == "" && !p.DeletionProtection && !p.AllowPrivateTargets && p.Schedule == nil
		}, ""},
		{"prod protects its data", map[string]any{"stage": "prod"}, func(p Props) bool { return p.Stage == "prod" && p.DeletionProtection }, ""},
		{"prod can opt out", map[string]any{"stage": "prod", "deletionProtection": "false"}, func(p Props) bool { return !p.DeletionProtection }, ""},
		{"everything", map[string]any{
			"stage": "e2e", "alarmEmail": "a@b.c", "logRetentionDays": "90", "allowPrivateTargets": "true",
			"retrySchedule": "0s,1s,1s", "assetDir": "x", "deliverMaxConcurrency": 5, "apiRateLimit": "10", "apiBurstLimit": 20,
		}, func(p Props) bool {
			return p.Stage == "e2e" && p.AlarmEmail == "a@b.c" && p.LogRetentionDays == 90 && p.AllowPrivateTargets &&
				p.Schedule.String() == "0s,1s,1s" && p.AssetDir == "x" && p.DeliverMaxConcurrency == 5 &&
				p.APIRateLimit == 10 && p.APIBurstLimit == 20
		}, ""},
		{"bad schedule", map[string]any{"retrySchedule": "soon"}, nil, "retrySchedule"},
		{"bad bool", map[string]any{"allowPrivateTargets": "maybe"}, nil, "allowPrivateTargets"},
		{"bad number", map[string]any{"logRetentionDays": "month"}, nil, "logRetentionDays"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := map[string]any{}
			for k, v := range tc.ctx {
				ctx[k] = v
			}
			app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(t.TempDir())})
			p, err := PropsFromContext(app.Node())
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one naming %s", err, tc.wantErr)
				}
				return
			}
			if err != nil || !tc.want(p) {
				t.Fatalf("props %+v, %v", p, err)
			}
		})
	}
}

func TestPropsValidation(t *testing.T) {
	for _, tc := range []struct {
		props   Props
		wantErr string
	}{
		{Props{Stage: "Prod"}, "stage"},
		{Props{Stage: "a_b"}, "stage"},
		{Props{Stage: strings.Repeat("a", 21)}, "stage"},
		{Props{LogRetentionDays: 31}, "retention"},
		{Props{AlarmEmail: "ops"}, "e-mail"},
		{Props{Schedule: webhook.Schedule{}}, "schedule"},
		{Props{DeliverMaxConcurrency: 1}, "concurrency"},
		{Props{APIRateLimit: -1}, "throttling"},
	} {
		if _, err := tc.props.withDefaults(); err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%+v: error %v, want one about %s", tc.props, err, tc.wantErr)
		}
	}
	p, err := Props{}.withDefaults()
	if err != nil || p.Stage != DefaultStage || p.LogRetentionDays != 30 || p.AssetDir != DefaultAssetDir || len(p.Schedule) != len(webhook.DefaultSchedule) {
		t.Errorf("defaults %+v, %v", p, err)
	}
}

func TestMissingBinary(t *testing.T) {
	dir := t.TempDir()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	_, err := New(app, Props{AssetDir: dir})
	if err == nil || !strings.Contains(err.Error(), "make lambdas") || !strings.Contains(err.Error(), "api") {
		t.Fatalf("error %v, want one saying to run make lambdas", err)
	}
}

func TestSlugAndTitle(t *testing.T) {
	for in, want := range map[string]string{"DeadLetters": "dead-letters", "Api5xx": "api5xx", "Deliveries of one webhook": "deliveries-of-one-webhook", "FanoutErrors": "fanout-errors"} {
		if got := slug(in); got != want {
			t.Errorf("slug(%q) = %q, want %q", in, got, want)
		}
	}
	if got := title("deliveries-dlq"); got != "DeliveriesDlq" {
		t.Errorf("title = %q", got)
	}
}
