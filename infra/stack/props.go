package stack

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/hookrelay/hookrelay/shared/sender"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

// Props configures one deployment of hookrelay. A zero field means its
// default (the Default… constants below); New fills them in and rejects
// invalid values.
type Props struct {
	awscdk.StackProps

	// Stage names the deployment ("dev", "prod"): it is part of every
	// physical name (hookrelay-<stage>-<id>), so two stages share an account.
	Stage string
	// LogRetentionDays is how long CloudWatch keeps the functions' and the
	// API's logs. One of the values CloudWatch Logs accepts (1, 3, 5, 7, 14,
	// 30, 60, 90, …); default 30.
	LogRetentionDays int
	// AlarmEmail, when set, subscribes this address to an SNS topic that
	// every alarm notifies.
	AlarmEmail string
	// AllowPrivateTargets sets HOOKRELAY_ALLOW_PRIVATE_TARGETS. Keep it false
	// in AWS: true lets tenants make the deliver function call private
	// addresses, the instance metadata endpoint among them.
	AllowPrivateTargets bool
	// DenyCIDRs sets HOOKRELAY_DENY_CIDRS: comma-separated prefixes that
	// no delivery may connect to, on top of the built-in address guard.
	DenyCIDRs string
	// DeletionProtection turns on DynamoDB deletion protection and retains the
	// tables, the admin key secret and the log groups when the stack is
	// deleted. Off, `cdk destroy` removes everything.
	DeletionProtection bool
	// Schedule is the retry schedule (HOOKRELAY_RETRY_SCHEDULE); its length
	// sets the delivery queue's maxReceiveCount. Default webhook.DefaultSchedule.
	Schedule webhook.Schedule
	// AssetDir holds one directory per function, each with the Lambda
	// `bootstrap` binary that `make lambdas` builds; default "bin/lambda".
	AssetDir string
	// DeliverMaxConcurrency caps the concurrent deliver invocations the SQS
	// event source starts (2–1000); default 50.
	DeliverMaxConcurrency int
	// APIRateLimit and APIBurstLimit throttle the API's stage (requests per
	// second, and burst); defaults 50 and 100.
	APIRateLimit  float64
	APIBurstLimit float64
}

// Defaults.
const (
	DefaultStage                 = "dev"
	DefaultLogRetentionDays      = 30
	DefaultAssetDir              = "bin/lambda"
	DefaultDeliverMaxConcurrency = 50
	DefaultAPIRateLimit          = 50
	DefaultAPIBurstLimit         = 100
)

var stagePattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,19}$`)

// retentionDays maps the day counts CloudWatch Logs accepts to the CDK enum.
var retentionDays = map[int]awslogs.RetentionDays{
	1: awslogs.RetentionDays_ONE_DAY, 3: awslogs.RetentionDays_THREE_DAYS,
	5: awslogs.RetentionDays_FIVE_DAYS, 7: awslogs.RetentionDays_ONE_WEEK,
	14: awslogs.RetentionDays_TWO_WEEKS, 30: awslogs.RetentionDays_ONE_MONTH,
	60: awslogs.RetentionDays_TWO_MONTHS, 90: awslogs.RetentionDays_THREE_MONTHS,
	120: awslogs.RetentionDays_FOUR_MONTHS, 150: awslogs.RetentionDays_FIVE_MONTHS,
	180: awslogs.RetentionDays_SIX_MONTHS, 365: awslogs.RetentionDays_ONE_YEAR,
	400: awslogs.RetentionDays_THIRTEEN_MONTHS, 545: awslogs.RetentionDays_EIGHTEEN_MONTHS,
	731: awslogs.RetentionDays_TWO_YEARS, 1096: awslogs.RetentionDays_THREE_YEARS,
	1827: awslogs.RetentionDays_FIVE_YEARS, 2192: awslogs.RetentionDays_SIX_YEARS,
	2557: awslogs.RetentionDays_SEVEN_YEARS, 2922: awslogs.RetentionDays_EIGHT_YEARS,
	3288: awslogs.RetentionDays_NINE_YEARS, 3653: awslogs.RetentionDays_TEN_YEARS,
}

// withDefaults returns p with every unset field at its default, or an error
// naming the first invalid field.
func (p Props) withDefaults() (Props, error) {
	if p.Stage == "" {
		p.Stage = DefaultStage
	}
	if !stagePattern.MatchString(p.Stage) {
		return p, fmt.Errorf("stage %q: want 1-20 of [a-z0-9-], starting with a letter", p.Stage)
	}
	if p.LogRetentionDays == 0 {
		p.LogRetentionDays = DefaultLogRetentionDays
	}
	if _, ok := retentionDays[p.LogRetentionDays]; !ok {
		days := make([]int, 0, len(retentionDays))
		for d := range retentionDays {
			days = append(days, d)
		}
		sort.Ints(days)
		return p, fmt.Errorf("log retention of %d days: CloudWatch Logs accepts one of %v", p.LogRetentionDays, days)
	}
	if p.AlarmEmail != "" && !strings.Contains(p.AlarmEmail, "@") {
		return p, fmt.Errorf("alarm e-mail %q is not an address", p.AlarmEmail)
	}
	if p.Schedule == nil {
		p.Schedule = webhook.DefaultSchedule
	}
	if p.Schedule.Attempts() == 0 {
		return p, fmt.Errorf("retry schedule has no attempt")
	}
	if p.AssetDir == "" {
		p.AssetDir = DefaultAssetDir
	}
	if p.DeliverMaxConcurrency == 0 {
		p.DeliverMaxConcurrency = DefaultDeliverMaxConcurrency
	}
	if p.DeliverMaxConcurrency < 2 || p.DeliverMaxConcurrency > 1000 {
		return p, fmt.Errorf("deliver max concurrency %d: want 2-1000", p.DeliverMaxConcurrency)
	}
	if p.APIRateLimit == 0 {
		p.APIRateLimit = DefaultAPIRateLimit
	}
	if p.APIBurstLimit == 0 {
		p.APIBurstLimit = DefaultAPIBurstLimit
	}
	if p.APIRateLimit < 0 || p.APIBurstLimit < 0 {
		return p, fmt.Errorf("API throttling limits must be positive")
	}
	return p, nil
}

// checkAssets reports a missing function binary before CDK would fail with
// a less helpful message.
func checkAssets(dir string, functions []function) error {
	for _, f := range functions {
		path := filepath.Join(dir, f.name, "bootstrap")
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("function %s: %w (build the functions first: make lambdas)", f.name, err)
		}
	}
	return nil
}

// Context keys that PropsFromContext reads (`cdk deploy -c stage=prod`).
const (
	CtxStage                 = "stage"
	CtxLogRetentionDays      = "logRetentionDays"
	CtxAlarmEmail            = "alarmEmail"
	CtxAllowPrivateTargets   = "allowPrivateTargets"
	CtxDeletionProtection    = "deletionProtection"
	CtxRetrySchedule         = "retrySchedule"
	CtxAssetDir              = "assetDir"
	CtxDeliverMaxConcurrency = "deliverMaxConcurrency"
	CtxAPIRateLimit          = "apiRateLimit"
	CtxAPIBurstLimit         = "apiBurstLimit"
	CtxDenyCIDRs             = "denyCidrs"
)

// PropsFromContext reads the deployment's props from the CDK context of
// node (cdk.json, or -c key=value on the command line). Deletion protection
// defaults to on for the stage "prod" and off elsewhere.
func PropsFromContext(node constructs.Node) (Props, error) {
	get := func(key string) string {
		v := node.TryGetContext(&key)
		if v == nil {
			return ""
		}
		return strings.TrimSpace(fmt.Sprint(v))
	}
	var p Props
	var err error
	p.Stage = get(CtxStage)
	p.AlarmEmail = get(CtxAlarmEmail)
	p.AssetDir = get(CtxAssetDir)
	p.DenyCIDRs = get(CtxDenyCIDRs)
	if _, err := sender.ParseDeny(p.DenyCIDRs); err != nil {
		return p, fmt.Errorf("context %s: %w", CtxDenyCIDRs, err)
	}
	if p.LogRetentionDays, err = intContext(CtxLogRetentionDays, get(CtxLogRetentionDays)); err != nil {
		return p, err
	}
	if p.DeliverMaxConcurrency, err = intContext(CtxDeliverMaxConcurrency, get(CtxDeliverMaxConcurrency)); err != nil {
		return p, err
	}
	if p.AllowPrivateTargets, err = boolContext(CtxAllowPrivateTargets, get(CtxAllowPrivateTargets), false); err != nil {
		return p, err
	}
	stage := p.Stage
	if stage == "" {
		stage = DefaultStage
	}
	if p.DeletionProtection, err = boolContext(CtxDeletionProtection, get(CtxDeletionProtection), stage == "prod"); err != nil {
		return p, err
	}
	if s := get(CtxRetrySchedule); s != "" {
		if p.Schedule, err = webhook.ParseSchedule(s); err != nil {
			return p, fmt.Errorf("context %s: %w", CtxRetrySchedule, err)
		}
	}
	for key, dst := range map[string]*float64{CtxAPIRateLimit: &p.APIRateLimit, CtxAPIBurstLimit: &p.APIBurstLimit} {
		if s := get(key); s != "" {
			if *dst, err = strconv.ParseFloat(s, 64); err != nil {
				return p, fmt.Errorf("context %s: %w", key, err)
			}
		}
	}
	return p, nil
}

func intContext(key, s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("context %s: %w", key, err)
	}
	return n, nil
}

func boolContext(key, s string, def bool) (bool, error) {
	if s == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, fmt.Errorf("context %s: %w", key, err)
	}
	return b, nil
}

// seconds converts a Go duration to a CDK one.
func seconds(d time.Duration) awscdk.Duration {
	return awscdk.Duration_Seconds(jsii.Number(d.Seconds()))
}
