package main

import (
	"flag"
	"fmt"
	"strconv"

	"github.com/hookrelay/hookrelay/shared/client"
)

func init() {
	register(&group{name: "deliveries", summary: "the request log", verbs: []verb{
		{name: "list", args: "<webhook-id>", summary: "a webhook's deliveries, newest first", flags: deliveriesList},
		{name: "get", args: "<delivery-id>", summary: "a delivery with every attempt", flags: deliveriesGet},
		{name: "retry", args: "<delivery-id>", summary: "one new attempt now, whatever the status", flags: deliveriesRetry},
	}})
}

func deliveriesList(fs *flag.FlagSet) func(*env, []string) error {
	status := fs.String("status", "", "only pending, succeeded or failed")
	limit := fs.Int("limit", 0, "at most this many (default: the API's)")
	cursor := fs.String("cursor", "", "the next_cursor of the previous page")
	return func(e *env, args []string) error {
		if err := exactArgs(args, "<webhook-id>"); err != nil {
			return err
		}
		p, err := e.api.ListDeliveries(e.ctx, e.tenant, args[0], *status, *limit, *cursor)
		if err != nil {
			return err
		}
		return e.output(p, func() {
			deliveryTable(e, p.Data)
			if p.NextCursor != nil {
				fmt.Fprintf(e.stderr, "more: --cursor %s\n", *p.NextCursor)
			}
		})
	}
}

func deliveriesGet(fs *flag.FlagSet) func(*env, []string) error {
	return func(e *env, args []string) error {
		if err := exactArgs(args, "<delivery-id>"); err != nil {
			return err
		}
		d, err := e.api.GetDelivery(e.ctx, e.tenant, args[0])
		if err != nil {
			return err
		}
		return e.output(d, func() {
			showDelivery(e, d)
		})
	}
}

func deliveriesRetry(fs *flag.FlagSet) func(*env, []string) error {
	wait := fs.Duration("wait", 0, "wait up to this long for the new attempt and show it (e.g. 10s)")
	return func(e *env, args []string) error {
		if err := exactArgs(args, "<delivery-id>"); err != nil {
			return err
		}
		before, err := e.api.GetDelivery(e.ctx, e.tenant, args[0])
		if err != nil {
			return err
		}
		if err := e.api.RetryDelivery(e.ctx, e.tenant, args[0]); err != nil {
			return err
		}
		if *wait <= 0 {
			return e.output(map[string]any{"id": args[0], "retry": "accepted"}, func() {
				fmt.Fprintf(e.stdout, "retry of %s accepted: attempt %d is on its way\n", args[0], len(before.Attempts)+1)
			})
		}
		d, err := waitForAttempt(e, args[0], len(before.Attempts)+1, *wait)
		if err != nil {
			return err
		}
		return e.output(d, func() {
			showDelivery(e, d)
		})
	}
}

// deliveryTable prints deliveries one a line with their last attempt.
func deliveryTable(e *env, ds []client.Delivery) {
	rows := make([][]string, len(ds))
	for i, d := range ds {
		code, errText := "-", "-"
		if n := len(d.Attempts); n > 0 {
			last := d.Attempts[n-1]
			code = statusCode(last.StatusCode)
			errText = orDash(last.Error)
		}
		rows[i] = []string{d.ID, d.Status, strconv.Itoa(len(d.Attempts)), code, errText, d.EventType, d.EventID, when(d.CreatedAt)}
	}
	table(e.stdout, []string{"ID", "STATUS", "ATTEMPTS", "LAST CODE", "ERROR", "EVENT TYPE", "EVENT", "CREATED"}, rows)
}

// showDelivery prints a delivery and a table of its attempts.
func showDelivery(e *env, d client.Delivery) {
	next := "-"
	if d.NextAttemptAt != nil {
		next = when(*d.NextAttemptAt)
	}
	fields(e.stdout, "id", d.ID, "status", d.Status, "webhook", d.WebhookID, "event", d.EventID+" ("+d.EventType+")",
		"created", when(d.CreatedAt), "next attempt", next)
	fmt.Fprintln(e.stdout)
	rows := make([][]string, len(d.Attempts))
	for i, a := range d.Attempts {
		rows[i] = []string{strconv.Itoa(a.Attempt), when(a.StartedAt), strconv.FormatInt(a.DurationMS, 10) + " ms",
			statusCode(a.StatusCode), orDash(a.Error), orDash(excerpt(a.ResponseBody, 60))}
	}
	table(e.stdout, []string{"ATTEMPT", "STARTED", "TOOK", "CODE", "ERROR", "RESPONSE"}, rows)
}

func statusCode(c int) string {
	if c == 0 {
		return "-"
	}
	return strconv.Itoa(c)
}
