package local

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hookrelay/hookrelay/shared/lambdaenv"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

// DefaultAPIAddr is where the local API listens unless HOOKRELAY_API_ADDR
// says otherwise.
const DefaultAPIAddr = "127.0.0.1:8080"

// ConfigFromEnv reads the variables of SPEC §2 through getenv (os.Getenv in
// the CLI). Root, Logger and EmulatorLog are left for the caller.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	cfg := Config{
		APIAddr:      DefaultAPIAddr,
		AdminKey:     strings.TrimSpace(getenv("HOOKRELAY_ADMIN_KEY")),
		AllowPrivate: true,
		DataDir:      getenv("HOOKRELAY_DATA_DIR"),
		Endpoint:     getenv("AWS_ENDPOINT_URL"),
	}
	if v := getenv("HOOKRELAY_API_ADDR"); v != "" {
		cfg.APIAddr = v
	}
	sched, err := webhook.ParseSchedule(getenv("HOOKRELAY_RETRY_SCHEDULE"))
	if err != nil {
		return cfg, fmt.Errorf("HOOKRELAY_RETRY_SCHEDULE: %w", err)
	}
	if len(sched) == 0 {
		return cfg, fmt.Errorf("HOOKRELAY_RETRY_SCHEDULE: needs at least one entry")
	}
	cfg.Schedule = sched
	if v := getenv("HOOKRELAY_ALLOW_PRIVATE_TARGETS"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return cfg, fmt.Errorf("HOOKRELAY_ALLOW_PRIVATE_TARGETS: %q is not true or false", v)
		}
		cfg.AllowPrivate = b
	}
	safety, err := lambdaenv.ReadSafety(getenv)
	if err != nil {
		return cfg, err
	}
	cfg.Deny, cfg.SweepGrace, cfg.Policy = safety.Deny, safety.SweepGrace, safety.Policy
	if v := strings.TrimSpace(getenv("HOOKRELAY_SWEEP_INTERVAL")); v != "" {
		if cfg.SweepInterval, err = time.ParseDuration(v); err != nil || cfg.SweepInterval <= 0 {
			return cfg, fmt.Errorf("HOOKRELAY_SWEEP_INTERVAL: %q is not a positive Go duration", v)
		}
	}
	if v := strings.TrimSpace(getenv("HOOKRELAY_RATE_LIMIT")); v != "" {
		if cfg.RateLimit, err = strconv.ParseFloat(v, 64); err != nil {
			return cfg, fmt.Errorf("HOOKRELAY_RATE_LIMIT: %q is not a number of requests per second", v)
		}
		if cfg.RateLimit == 0 {
			cfg.RateLimit = -1 // 0 turns the limit off
		}
	}
	if v := strings.TrimSpace(getenv("HOOKRELAY_RATE_BURST")); v != "" {
		if cfg.RateBurst, err = strconv.Atoi(v); err != nil || cfg.RateBurst < 1 {
			return cfg, fmt.Errorf("HOOKRELAY_RATE_BURST: %q is not a positive integer", v)
		}
	}
	if v := strings.TrimSpace(getenv("HOOKRELAY_MAX_WEBHOOKS_PER_TENANT")); v != "" {
		if cfg.MaxWebhooksPerTenant, err = strconv.Atoi(v); err != nil || cfg.MaxWebhooksPerTenant < 1 {
			return cfg, fmt.Errorf("HOOKRELAY_MAX_WEBHOOKS_PER_TENANT: %q is not a positive integer", v)
		}
	}
	return cfg, nil
}
