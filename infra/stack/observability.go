package stack

import (
	"fmt"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/jsii-runtime-go"

	"github.com/hookrelay/hookrelay/shared/schema"
)

// Delivery metrics, counted from the delivery.attempt log lines (SPEC §4)
// by metric filters, in the namespace MetricNamespace(stage).
const (
	MetricDelivered = "Delivered"       // attempts with outcome succeeded
	MetricRetried   = "Retried"         // attempts with outcome retrying
	MetricFailed    = "Failed"          // attempts with outcome failed: the delivery gave up
	MetricLatency   = "DeliveryLatency" // duration_ms of every attempt
)

// MetricNamespace is the CloudWatch namespace of a stage's delivery metrics.
func MetricNamespace(stage string) string { return "hookrelay/" + stage }

// attemptFilter matches the delivery.attempt lines; outcome narrows it to one
// outcome when not empty.
func attemptFilter(outcome string) string {
	if outcome == "" {
		return `{ $.msg = "delivery.attempt" }`
	}
	return fmt.Sprintf(`{ ($.msg = "delivery.attempt") && ($.outcome = "%s") }`, outcome)
}

// Alarm thresholds.
const (
	iteratorAgeThreshold = 5 * time.Minute
	// oldestMessageMargin is added to the waits before the first three
	// attempts to make the oldest-message alarm's threshold: SQS leaves a
	// message received three times out of ApproximateAgeOfOldestMessage, so
	// an older message means deliver is not keeping up.
	oldestMessageMargin = 15 * time.Minute
)

// OldestMessageThreshold is the delivery queue's oldest-message alarm
// threshold for a schedule.
func (s *Stack) OldestMessageThreshold() time.Duration {
	d := oldestMessageMargin
	for i, w := range s.props.Schedule {
		if i == 3 {
			break
		}
		d += w
	}
	return d
}

// query is one saved CloudWatch Logs Insights query.
type query struct {
	name string
	q    *awslogs.QueryStringProps
}

var attemptFields = []string{"@timestamp", "tenant_id", "webhook_id", "event_id", "delivery_id", "attempt", "outcome", "status_code", "duration_ms", "error"}

// queries are saved in CloudWatch Logs Insights under hookrelay-<stage>/.
var queries = []query{
	{"Deliveries of one webhook", &awslogs.QueryStringProps{
		Fields:           jsii.Strings(attemptFields...),
		FilterStatements: jsii.Strings(`msg = "delivery.attempt"`, `webhook_id = "wh_REPLACE_ME"`),
		Sort:             jsii.String("@timestamp desc"),
		Limit:            jsii.Number(1000),
	}},
	{"Failures in the last hour", &awslogs.QueryStringProps{
		Fields:           jsii.Strings(attemptFields...),
		FilterStatements: jsii.Strings(`msg = "delivery.attempt"`, `outcome != "succeeded"`),
		Sort:             jsii.String("@timestamp desc"),
		Limit:            jsii.Number(1000),
	}},
	{"Failures by webhook", &awslogs.QueryStringProps{
		FilterStatements: jsii.Strings(`msg = "delivery.attempt"`, `outcome != "succeeded"`),
		StatsStatements:  jsii.Strings("count(*) as failures, latest(error) as last_error, latest(status_code) as last_status by tenant_id, webhook_id"),
		Sort:             jsii.String("failures desc"),
		Limit:            jsii.Number(100),
	}},
	{"Slowest endpoints", &awslogs.QueryStringProps{
		FilterStatements: jsii.Strings(`msg = "delivery.attempt"`),
		StatsStatements:  jsii.Strings("count(*) as attempts, avg(duration_ms) as avg_ms, pct(duration_ms, 95) as p95_ms, max(duration_ms) as max_ms by tenant_id, webhook_id"),
		Sort:             jsii.String("p95_ms desc"),
		Limit:            jsii.Number(25),
	}},
}

func (s *Stack) addObservability() {
	ns := MetricNamespace(s.props.Stage)
	var attemptLogs []awslogs.ILogGroup
	for _, f := range functions {
		if !f.logsAttempts {
			continue
		}
		lg := s.LogGroups[f.name]
		attemptLogs = append(attemptLogs, lg)
		for _, m := range []struct{ metric, outcome, value string }{
			{MetricDelivered, "succeeded", "1"},
			{MetricRetried, "retrying", "1"},
			{MetricFailed, "failed", "1"},
			{MetricLatency, "", "$.duration_ms"},
		} {
			unit := awscloudwatch.Unit_COUNT
			if m.metric == MetricLatency {
				unit = awscloudwatch.Unit_MILLISECONDS
			}
			awslogs.NewMetricFilter(s.Stack, jsii.String(title(f.name)+m.metric+"Filter"), &awslogs.MetricFilterProps{
				LogGroup:        lg,
				FilterName:      jsii.String(s.physicalName(f.name + "-" + m.metric)),
				FilterPattern:   awslogs.FilterPattern_Literal(jsii.String(attemptFilter(m.outcome))),
				MetricNamespace: jsii.String(ns),
				MetricName:      jsii.String(m.metric),
				MetricValue:     jsii.String(m.value),
				Unit:            unit,
			})
		}
	}
	for _, q := range queries {
		awslogs.NewQueryDefinition(s.Stack, jsii.String("Query"+title(slug(q.name))), &awslogs.QueryDefinitionProps{
			QueryDefinitionName: jsii.String(Name(s.props.Stage) + "/" + q.name),
			QueryString:         awslogs.NewQueryString(q.q),
			LogGroups:           &attemptLogs,
		})
	}

	if s.props.AlarmEmail != "" {
		s.AlarmTopic = awssns.NewTopic(s.Stack, jsii.String("AlarmTopic"), &awssns.TopicProps{
			TopicName:   jsii.String(s.physicalName("alarms")),
			DisplayName: jsii.String("hookrelay " + s.props.Stage + " alarms"),
			EnforceSSL:  jsii.Bool(true),
		})
		s.AlarmTopic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(s.props.AlarmEmail), nil))
	}
	s.addAlarms()
	s.addDashboard(ns)
}

func (s *Stack) alarm(id, description string, metric awscloudwatch.IMetric, threshold float64) {
	a := awscloudwatch.NewAlarm(s.Stack, jsii.String(id+"Alarm"), &awscloudwatch.AlarmProps{
		AlarmName:          jsii.String(s.physicalName(slug(id))),
		AlarmDescription:   jsii.String(description),
		Metric:             metric,
		Threshold:          jsii.Number(threshold),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		EvaluationPeriods:  jsii.Number(1),
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
	if s.AlarmTopic != nil {
		a.AddAlarmAction(awscloudwatchactions.NewSnsAction(s.AlarmTopic))
		a.AddOkAction(awscloudwatchactions.NewSnsAction(s.AlarmTopic))
	}
	s.Alarms = append(s.Alarms, a)
}

func metricOpts(stat string) *awscloudwatch.MetricOptions {
	return &awscloudwatch.MetricOptions{Period: awscdk.Duration_Minutes(jsii.Number(5)), Statistic: jsii.String(stat)}
}

func (s *Stack) addAlarms() {
	queue, dlq := s.Queues[schema.DeliveryQueue], s.Queues[schema.DeadLetterQueue]
	s.alarm("DeadLetters", "Deliveries are in the dead-letter queue: they failed every attempt. Inspect them with the saved query 'Failures in the last hour'; POST /v1/admin/dlq/redrive moves them back.",
		dlq.MetricApproximateNumberOfMessagesVisible(metricOpts("Maximum")), 1)
	s.alarm("FanoutFailures", "fanout gave up on a batch of the events stream: its events have no deliveries yet. The queue holds the stream positions of the batch.",
		s.FanoutFailures.MetricApproximateNumberOfMessagesVisible(metricOpts("Maximum")), 1)
	s.alarm("OldestMessage", "A message has waited in the delivery queue longer than the retry schedule explains: deliver is not keeping up or is failing.",
		queue.MetricApproximateAgeOfOldestMessage(metricOpts("Maximum")), s.OldestMessageThreshold().Seconds())
	for _, f := range functions {
		fn := s.Functions[f.name]
		s.alarm(title(f.name)+"Errors", "The "+f.name+" function failed invocations (errors, timeouts or crashes).",
			fn.MetricErrors(metricOpts("Sum")), 1)
		s.alarm(title(f.name)+"Throttles", "The "+f.name+" function was throttled: raise the account's Lambda concurrency or lower the load.",
			fn.MetricThrottles(metricOpts("Sum")), 1)
	}
	s.alarm("StreamIteratorAge", "fanout is behind on the events stream: new events wait before their deliveries are queued.",
		s.Functions[FunctionFanout].Metric(jsii.String("IteratorAge"), metricOpts("Maximum")), float64(iteratorAgeThreshold.Milliseconds()))
	s.alarm("Api5xx", "The API answered 5xx, which it never should: see the api function's logs.",
		s.API.MetricServerError(metricOpts("Sum")), 1)
}

func (s *Stack) addDashboard(ns string) {
	delivery := func(name, stat, label string) awscloudwatch.IMetric {
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String(ns), MetricName: jsii.String(name), Statistic: jsii.String(stat),
			Label: jsii.String(label), Period: awscdk.Duration_Minutes(jsii.Number(5)),
		})
	}
	graph := func(title string, width float64, left ...awscloudwatch.IMetric) awscloudwatch.IWidget {
		return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{Title: jsii.String(title), Width: jsii.Number(width), Height: jsii.Number(6), Left: &left})
	}
	perFunction := func(metric func(name string) awscloudwatch.IMetric) []awscloudwatch.IMetric {
		var out []awscloudwatch.IMetric
		for _, f := range functions {
			out = append(out, metric(f.name))
		}
		return out
	}
	fnMetric := func(name, stat string) func(string) awscloudwatch.IMetric {
		return func(fn string) awscloudwatch.IMetric {
			return s.Functions[fn].Metric(jsii.String(name), &awscloudwatch.MetricOptions{
				Statistic: jsii.String(stat), Label: jsii.String(fn), Period: awscdk.Duration_Minutes(jsii.Number(5)),
			})
		}
	}
	queue, dlq := s.Queues[schema.DeliveryQueue], s.Queues[schema.DeadLetterQueue]
	var logGroupNames []*string
	for _, f := range functions {
		if f.logsAttempts {
			logGroupNames = append(logGroupNames, s.LogGroups[f.name].LogGroupName())
		}
	}
	var alarms []awscloudwatch.IAlarm
	for _, a := range s.Alarms {
		alarms = append(alarms, a)
	}

	s.Dashboard = awscloudwatch.NewDashboard(s.Stack, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DashboardName:   jsii.String(Name(s.props.Stage)),
		DefaultInterval: awscdk.Duration_Hours(jsii.Number(3)),
		Widgets: &[]*[]awscloudwatch.IWidget{
			{
				awscloudwatch.NewAlarmStatusWidget(&awscloudwatch.AlarmStatusWidgetProps{
					Title: jsii.String("Alarms"), Alarms: &alarms, Width: jsii.Number(24), Height: jsii.Number(3),
				}),
			},
			{
				graph("Delivery attempts", 12,
					delivery(MetricDelivered, "Sum", "delivered"), delivery(MetricRetried, "Sum", "retrying"), delivery(MetricFailed, "Sum", "failed")),
				graph("Delivery latency (ms)", 12,
					delivery(MetricLatency, "p50", "p50"), delivery(MetricLatency, "p95", "p95"), delivery(MetricLatency, "p99", "p99")),
			},
			{
				graph("Delivery queue", 8,
					queue.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{Label: jsii.String("visible")}),
					queue.MetricApproximateNumberOfMessagesNotVisible(&awscloudwatch.MetricOptions{Label: jsii.String("waiting or in flight")})),
				graph("Oldest message (s)", 8, queue.MetricApproximateAgeOfOldestMessage(&awscloudwatch.MetricOptions{Statistic: jsii.String("Maximum")})),
				graph("Dead letters", 8,
					dlq.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{Label: jsii.String("deliveries DLQ"), Statistic: jsii.String("Maximum")}),
					s.FanoutFailures.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{Label: jsii.String("fanout failures"), Statistic: jsii.String("Maximum")})),
			},
			{
				graph("Invocations", 6, perFunction(fnMetric("Invocations", "Sum"))...),
				graph("Errors", 6, perFunction(fnMetric("Errors", "Sum"))...),
				graph("Throttles", 6, perFunction(fnMetric("Throttles", "Sum"))...),
				graph("Duration p95 (ms)", 6, perFunction(fnMetric("Duration", "p95"))...),
			},
			{
				graph("Events stream iterator age (ms)", 8, s.Functions[FunctionFanout].Metric(jsii.String("IteratorAge"), &awscloudwatch.MetricOptions{Statistic: jsii.String("Maximum")})),
				graph("API requests", 8,
					s.API.MetricCount(&awscloudwatch.MetricOptions{Label: jsii.String("requests"), Statistic: jsii.String("Sum")}),
					s.API.MetricClientError(&awscloudwatch.MetricOptions{Label: jsii.String("4xx"), Statistic: jsii.String("Sum")}),
					s.API.MetricServerError(&awscloudwatch.MetricOptions{Label: jsii.String("5xx"), Statistic: jsii.String("Sum")})),
				graph("API latency (ms)", 8,
					s.API.MetricLatency(&awscloudwatch.MetricOptions{Label: jsii.String("p95"), Statistic: jsii.String("p95")}),
					s.API.MetricIntegrationLatency(&awscloudwatch.MetricOptions{Label: jsii.String("integration p95"), Statistic: jsii.String("p95")})),
			},
			{
				awscloudwatch.NewLogQueryWidget(&awscloudwatch.LogQueryWidgetProps{
					Title:         jsii.String("Latest failed attempts"),
					LogGroupNames: &logGroupNames,
					QueryString:   awslogs.NewQueryString(queries[1].q).ToString(),
					View:          awscloudwatch.LogQueryVisualizationType_TABLE,
					Width:         jsii.Number(24), Height: jsii.Number(8),
				}),
			},
		},
	})
}

// slug turns a phrase into a dash-separated lower-case ID:
// "Deliveries of one webhook" → "deliveries-of-one-webhook". Upper-case
// letters inside a word start a new one: "DeadLetters" → "dead-letters".
func slug(s string) string {
	var out []rune
	for i, r := range s {
		switch {
		case r >= 'A' && r <= 'Z':
			if i > 0 && len(out) > 0 && out[len(out)-1] != '-' {
				out = append(out, '-')
			}
			out = append(out, r-'A'+'a')
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			out = append(out, r)
		default:
			if len(out) > 0 && out[len(out)-1] != '-' {
				out = append(out, '-')
			}
		}
	}
	for len(out) > 0 && out[len(out)-1] == '-' {
		out = out[:len(out)-1]
	}
	return string(out)
}
