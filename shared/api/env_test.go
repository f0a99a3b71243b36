package api_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hookrelay/hookrelay/shared/api"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

func TestReadEnv(t *testing.T) {
	base := map[string]string{
		"HOOKRELAY_QUEUE_URL":            "http://sqs/q",
		"HOOKRELAY_DLQ_URL":              "http://sqs/dlq",
		"HOOKRELAY_ADMIN_KEY_SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:1:secret:a",
	}
	with := func(kv ...string) func(string) string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	env, err := api.ReadEnv(with())
	if err != nil {
		t.Fatal(err)
	}
	if env.AllowPrivate || env.Schedule.String() != webhook.DefaultSchedule.String() || env.QueueURL != "http://sqs/q" || env.AdminKeySecretARN == "" {
		t.Fatalf("defaults: %+v", env)
	}
	env, err = api.ReadEnv(with("HOOKRELAY_ALLOW_PRIVATE_TARGETS", "true", "HOOKRELAY_RETRY_SCHEDULE", "0s,1s", "HOOKRELAY_ADMIN_KEY", "hr_x"))
	if err != nil || !env.AllowPrivate || len(env.Schedule) != 2 || env.Schedule[1] != time.Second || env.AdminKey != "hr_x" {
		t.Fatalf("set: %+v %v", env, err)
	}
	bad := []struct {
		kv   []string
		want string
	}{
		{[]string{"HOOKRELAY_QUEUE_URL", ""}, "HOOKRELAY_QUEUE_URL"},
		{[]string{"HOOKRELAY_DLQ_URL", ""}, "HOOKRELAY_DLQ_URL"},
		{[]string{"HOOKRELAY_ADMIN_KEY_SECRET_ARN", ""}, "HOOKRELAY_ADMIN_KEY"},
		{[]string{"HOOKRELAY_RETRY_SCHEDULE", "soon"}, "HOOKRELAY_RETRY_SCHEDULE"},
		{[]string{"HOOKRELAY_RETRY_SCHEDULE", "-1s"}, "HOOKRELAY_RETRY_SCHEDULE"},
		{[]string{"HOOKRELAY_ALLOW_PRIVATE_TARGETS", "maybe"}, "HOOKRELAY_ALLOW_PRIVATE_TARGETS"},
	}
	for _, b := range bad {
		if _, err := api.ReadEnv(with(b.kv...)); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%v: error %v, want one naming %s", b.kv, err, b.want)
		}
	}
}
