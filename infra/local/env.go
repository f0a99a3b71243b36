package local

import (
	"fmt"
	"strconv"
	"strings"

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
	return cfg, nil
}
