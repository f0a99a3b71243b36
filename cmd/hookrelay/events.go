package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/hookrelay/hookrelay/shared/client"
)

func init() {
	register(&group{name: "events", summary: "publish events and read them back", verbs: []verb{
		{name: "publish", summary: "publish an event: --type registration.created --data '{\"id\":1}'", flags: eventsPublish},
		{name: "get", args: "<event-id>", summary: "show an event with its deliveries", flags: eventsGet},
	}})
}

func eventsPublish(fs *flag.FlagSet) func(*env, []string) error {
	typ := fs.String("type", "", "the event type (required)")
	data := fs.String("data", "", "the event's data: a JSON object, @file, or - for stdin (required)")
	id := fs.String("id", "", "the event id; publishing the same id twice delivers once (default: generated)")
	return func(e *env, args []string) error {
		if err := exactArgs(args); err != nil {
			return err
		}
		if *typ == "" || *data == "" {
			return usagef("--type and --data are required")
		}
		raw, err := readData(*data)
		if err != nil {
			return err
		}
		ev, created, err := e.api.PublishEvent(e.ctx, e.tenant, client.PublishInput{ID: *id, Type: *typ, Data: raw})
		if err != nil {
			return err
		}
		return e.output(ev, func() {
			state := "published"
			if !created {
				state = "already published (same id, type and data): no new delivery"
			}
			fields(e.stdout, "id", ev.ID, "type", ev.Type, "timestamp", when(ev.Timestamp), "state", state)
		})
	}
}

// readData reads --data: inline JSON, @file or - (stdin). It must be JSON;
// the API checks that it is an object.
func readData(v string) (json.RawMessage, error) {
	var b []byte
	var err error
	switch {
	case v == "-":
		b, err = io.ReadAll(os.Stdin)
	case strings.HasPrefix(v, "@"):
		b, err = os.ReadFile(v[1:])
	default:
		b = []byte(v)
	}
	if err != nil {
		return nil, fmt.Errorf("read --data: %w", err)
	}
	b = bytes.TrimSpace(b)
	if !json.Valid(b) {
		return nil, usagef("--data is not valid JSON")
	}
	return b, nil
}

func eventsGet(fs *flag.FlagSet) func(*env, []string) error {
	return func(e *env, args []string) error {
		if err := exactArgs(args, "<event-id>"); err != nil {
			return err
		}
		ev, err := e.api.GetEvent(e.ctx, e.tenant, args[0])
		if err != nil {
			return err
		}
		return e.output(ev, func() {
			fields(e.stdout, "id", ev.ID, "type", ev.Type, "timestamp", when(ev.Timestamp))
			fmt.Fprintf(e.stdout, "\ndata:\n%s\n\n", indentJSON(ev.Data, "  "))
			deliveryTable(e, ev.Deliveries)
		})
	}
}

// indentJSON pretty-prints raw JSON, or returns it as it is when it is not.
func indentJSON(raw []byte, prefix string) string {
	var b bytes.Buffer
	if json.Indent(&b, raw, prefix, "  ") != nil {
		return prefix + string(raw)
	}
	return prefix + b.String()
}
