// Command hookrelay is the human-facing hookrelay binary: `hookrelay dev`
// runs the whole service locally, as `make dev` does; the other commands
// call the API (tenants, keys, webhooks, events, deliveries) or receive
// deliveries locally (listen).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

const usage = `hookrelay — webhook delivery for AWS

Usage:
  hookrelay <command> [flags]

Commands:
  dev                 run hookrelay locally: emulators, API and pollers (make dev)
  listen              a local receiver: prints each delivery, checks its signature,
                      optionally forwards it to your app
  tenants create      create a tenant (admin key)
  keys create         create a tenant key (admin key)
  webhooks create|list|get|update|delete|test|rotate
  events publish|get
  deliveries list|get|retry
  worker deliver      only the deliver poller, in its own process, against a running
                      dev's emulators (--dynamodb-endpoint, --sqs-endpoint, --queue-url,
                      --dlq-url, --prefix)
  help [command]      show help; every command also takes --help

The API commands read HOOKRELAY_API_URL [http://127.0.0.1:8080],
HOOKRELAY_API_KEY and HOOKRELAY_TENANT, or the flags --api-url, --key and
--tenant. They print tables; --json prints the API's JSON for scripts.

Environment of "dev": HOOKRELAY_API_ADDR, HOOKRELAY_ADMIN_KEY,
HOOKRELAY_RETRY_SCHEDULE, HOOKRELAY_ALLOW_PRIVATE_TARGETS, HOOKRELAY_DATA_DIR,
AWS_ENDPOINT_URL (see README.md).
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// Exit codes of run.
const (
	exitOK    = 0
	exitError = 1 // the API or the network answered an error
	exitUsage = 2 // the command line is wrong
)

// run runs the command line args (without the program name), writing
// results to stdout and diagnostics to stderr, and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "dev":
		return exitOf(stderr, runDev(rest))
	case "listen":
		return exitOf(stderr, runListen(rest, stdout, stderr))
	case "worker":
		return exitOf(stderr, runWorker(rest))
	case "help", "-h", "-help", "--help":
		if len(rest) > 0 {
			return run(append(rest[:1:1], "--help"), stdout, stderr)
		}
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	if g, ok := groups[cmd]; ok {
		return g.run(rest, stdout, stderr)
	}
	fmt.Fprintf(stderr, "hookrelay: unknown command %q\n\n%s", cmd, usage)
	return exitUsage
}

// exitOf prints err, if any, and returns its exit code.
func exitOf(stderr io.Writer, err error) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return exitOK
	case isUsage(err):
		fmt.Fprintf(stderr, "hookrelay: %v\n", err)
		return exitUsage
	default:
		fmt.Fprintf(stderr, "hookrelay: %v\n", err)
		return exitError
	}
}
