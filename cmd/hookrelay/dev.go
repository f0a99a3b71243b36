package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/hookrelay/hookrelay/infra/local"
)

// runDev runs the local runtime in the foreground until SIGINT or SIGTERM.
func runDev(args []string) error {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	verbose := fs.Bool("emulator-logs", false, "show the emulators' own output")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := local.ConfigFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	cfg.Logger = slog.New(slog.NewJSONHandler(os.Stdout, nil))
	if *verbose {
		cfg.EmulatorLog = os.Stderr
	}
	if cfg.Endpoint == "" {
		wd, err := os.Getwd()
		if err != nil {
			return err
		}
		if cfg.Root, err = local.FindRoot(wd); err != nil {
			return err
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	began := time.Now()
	startCtx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	rt, err := local.Start(startCtx, cfg)
	cancel()
	if err != nil && ctx.Err() != nil {
		fmt.Fprintln(os.Stderr, "hookrelay: stopped during start-up")
		return nil // Ctrl-C while starting: Start has stopped what it started
	}
	if err != nil {
		return err
	}
	printBanner(rt, cfg, time.Since(began))
	select {
	case <-ctx.Done():
	case err = <-rt.Err():
	}
	fmt.Fprintln(os.Stderr, "hookrelay: stopping")
	rt.Close()
	return err
}

func printBanner(rt *local.Runtime, cfg local.Config, took time.Duration) {
	where := cfg.Endpoint
	if rt.Emulators != nil {
		where = "DynamoDB Local " + rt.Emulators.DynamoEndpoint + ", fauxqs " + rt.Emulators.SQSEndpoint
	}
	fmt.Fprintf(os.Stderr, `
hookrelay is ready (%.1fs)

  API        %s
  admin key  %s
  AWS APIs   %s
  retries    %s
  private targets allowed: %t

  export HOOKRELAY_API_URL=%s
  export HOOKRELAY_API_KEY=%s

Delivery attempts are logged below as JSON lines. Ctrl-C stops everything.

`, took.Seconds(), rt.URL, rt.AdminKey, where, cfg.Schedule, cfg.AllowPrivate, rt.URL, rt.AdminKey)
}
