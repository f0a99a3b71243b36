package api

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/hookrelay/hookrelay/shared/schema"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

// EnvAdminKey is the plaintext admin key, for LocalStack and tests; in AWS
// the key is a Secrets Manager secret (schema.EnvAdminKeySecretARN).
const EnvAdminKey = "HOOKRELAY_ADMIN_KEY"

// Env is the api function's configuration, read from its environment.
type Env struct {
	QueueURL      string           // HOOKRELAY_QUEUE_URL
	DeadLetterURL string           // HOOKRELAY_DLQ_URL
	Schedule      webhook.Schedule // HOOKRELAY_RETRY_SCHEDULE [webhook.DefaultSchedule]
	AllowPrivate  bool             // HOOKRELAY_ALLOW_PRIVATE_TARGETS [false]
	// AdminKey (HOOKRELAY_ADMIN_KEY) is the plaintext admin key; when it is
	// empty, AdminKeySecretARN (HOOKRELAY_ADMIN_KEY_SECRET_ARN) names the
	// secret that holds it. One of the two is required.
	AdminKey          string
	AdminKeySecretARN string
}

// ReadEnv reads the api function's environment through getenv (os.Getenv in
// main). Private targets are refused unless explicitly allowed.
func ReadEnv(getenv func(string) string) (Env, error) {
	env := Env{
		QueueURL:          strings.TrimSpace(getenv(schema.EnvQueueURL)),
		DeadLetterURL:     strings.TrimSpace(getenv(schema.EnvDLQURL)),
		AdminKey:          strings.TrimSpace(getenv(EnvAdminKey)),
		AdminKeySecretARN: strings.TrimSpace(getenv(schema.EnvAdminKeySecretARN)),
	}
	var errs []error
	if env.QueueURL == "" {
		errs = append(errs, fmt.Errorf("%s is required", schema.EnvQueueURL))
	}
	if env.DeadLetterURL == "" {
		errs = append(errs, fmt.Errorf("%s is required", schema.EnvDLQURL))
	}
	if env.AdminKey == "" && env.AdminKeySecretARN == "" {
		errs = append(errs, fmt.Errorf("%s or %s is required", schema.EnvAdminKeySecretARN, EnvAdminKey))
	}
	sched, err := webhook.ParseSchedule(getenv(schema.EnvRetrySchedule))
	switch {
	case err != nil:
		errs = append(errs, fmt.Errorf("%s: %w", schema.EnvRetrySchedule, err))
	case len(sched) == 0:
		errs = append(errs, fmt.Errorf("%s needs at least one entry", schema.EnvRetrySchedule))
	}
	env.Schedule = sched
	if v := strings.TrimSpace(getenv(schema.EnvAllowPrivateTargets)); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %q is not true or false", schema.EnvAllowPrivateTargets, v))
		}
		env.AllowPrivate = b
	}
	if err := errors.Join(errs...); err != nil {
		return env, fmt.Errorf("api: environment: %w", err)
	}
	return env, nil
}
