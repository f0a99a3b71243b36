// Command hookrelay is the human-facing hookrelay binary. `hookrelay dev`
// runs the whole service locally, as `make dev` does.
package main

import (
	"fmt"
	"os"
)

const usage = `hookrelay — webhook delivery for AWS

Usage:
  hookrelay dev      run hookrelay locally: emulators, API and pollers (make dev)
  hookrelay listen   a local receiver that prints deliveries and checks signatures
                     (--addr 127.0.0.1:9000, --secret whsec_…, --status 200)
  hookrelay help     show this help

Environment of "dev": HOOKRELAY_API_ADDR, HOOKRELAY_ADMIN_KEY,
HOOKRELAY_RETRY_SCHEDULE, HOOKRELAY_ALLOW_PRIVATE_TARGETS, HOOKRELAY_DATA_DIR,
AWS_ENDPOINT_URL (see README.md).
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "dev":
		err = runDev(os.Args[2:])
	case "listen":
		err = runListen(os.Args[2:])
	case "help", "-h", "--help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "hookrelay: unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "hookrelay: %v\n", err)
		os.Exit(1)
	}
}
