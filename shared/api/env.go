package api

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hookrelay/hookrelay/shared/lambdaenv"
	"github.com/hookrelay/hookrelay/shared/schema"
)

// EnvAdminKey is the plaintext admin key, for LocalStack and tests; in AWS
// the key is a Secrets Manager secret (schema.EnvAdminKeySecretARN).
const EnvAdminKey = "HOOKRELAY_ADMIN_KEY"

// Env is the api function's configuration: what every function reads
// (lambdaenv.Env) and the admin key.
type Env struct {
	lambdaenv.Env
	// AdminKey (HOOKRELAY_ADMIN_KEY) is the plaintext admin key; when it is
	// empty, AdminKeySecretARN (HOOKRELAY_ADMIN_KEY_SECRET_ARN) names the
	// secret that holds it. One of the two is required.
	AdminKey          string
	AdminKeySecretARN string
}

// ReadEnv reads the api function's environment through getenv (os.Getenv in
// main). Private targets are refused unless explicitly allowed.
func ReadEnv(getenv func(string) string) (Env, error) {
	common, err := lambdaenv.Read(getenv)
	env := Env{
		Env:               common,
		AdminKey:          strings.TrimSpace(getenv(EnvAdminKey)),
		AdminKeySecretARN: strings.TrimSpace(getenv(schema.EnvAdminKeySecretARN)),
	}
	errs := []error{err}
	if env.AdminKey == "" && env.AdminKeySecretARN == "" {
		errs = append(errs, fmt.Errorf("%s or %s is required", schema.EnvAdminKeySecretARN, EnvAdminKey))
	}
	if err := errors.Join(errs...); err != nil {
		return env, fmt.Errorf("api: environment: %w", err)
	}
	return env, nil
}
