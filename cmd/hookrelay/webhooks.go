package main

import (
	"flag"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hookrelay/hookrelay/shared/client"
)

func init() {
	register(&group{name: "webhooks", summary: "a tenant's webhooks", verbs: []verb{
		{name: "create", summary: "create a webhook; prints its signing secret once", flags: webhooksCreate},
		{name: "list", summary: "list the tenant's webhooks", flags: webhooksList},
		{name: "get", args: "<webhook-id>", summary: "show a webhook", flags: webhooksGet},
		{name: "update", args: "<webhook-id>", summary: "change the given fields of a webhook", flags: webhooksUpdate},
		{name: "delete", args: "<webhook-id>", summary: "delete a webhook", flags: webhooksDelete},
		{name: "test", args: "<webhook-id>", summary: "send a test delivery (webhook.test, or the newest event of --event-type)", flags: webhooksTest},
		{name: "rotate", args: "<webhook-id>", summary: "give a webhook a new secret; the old one signs for 24 more hours", flags: webhooksRotate},
	}})
}

// webhookFlags are the fields a create or an update may set.
type webhookFlags struct {
	url, description, secret *string
	events                   listFlag
	headers                  headerFlag
	retry, enabled           *bool
	timeoutMS                *int
}

func declareWebhookFlags(fs *flag.FlagSet) *webhookFlags {
	f := &webhookFlags{headers: headerFlag{}}
	f.url = fs.String("url", "", "the endpoint: absolute http(s) URL")
	fs.Var(&f.events, "events", "event types to deliver, comma-separated or repeated: exact, prefix (registration.*) or *")
	f.description = fs.String("description", "", "what the webhook is for")
	fs.Var(f.headers, "header", "an extra request header \"Name: value\" (repeatable)")
	f.retry = fs.Bool("retry", true, "retry failed deliveries (false: one attempt)")
	f.timeoutMS = fs.Int("timeout-ms", 5000, "how long a delivery may take, 1000–30000 ms")
	f.enabled = fs.Bool("enabled", true, "deliver to it (false: disabled)")
	f.secret = fs.String("secret", "", "bring your own secret (whsec_…); default: generated")
	return f
}

// input is the body for the flags given on the command line.
func (f *webhookFlags) input(set map[string]bool) client.WebhookInput {
	var in client.WebhookInput
	if set["url"] {
		in.URL = f.url
	}
	if set["events"] {
		ev := []string(f.events)
		if ev == nil {
			ev = []string{}
		}
		in.EventTypes = &ev
	}
	if set["description"] {
		in.Description = f.description
	}
	if set["header"] {
		h := map[string]string(f.headers)
		in.Headers = &h
	}
	if set["retry"] {
		in.Retry = f.retry
	}
	if set["timeout-ms"] {
		in.TimeoutMS = f.timeoutMS
	}
	if set["enabled"] {
		in.Enabled = f.enabled
	}
	if set["secret"] {
		in.Secret = f.secret
	}
	return in
}

func webhooksCreate(fs *flag.FlagSet) func(*env, []string) error {
	f := declareWebhookFlags(fs)
	return func(e *env, args []string) error {
		if err := exactArgs(args); err != nil {
			return err
		}
		set := setFlags(fs)
		if !set["url"] {
			return usagef("--url is required")
		}
		if !set["events"] {
			f.events = listFlag{"*"}
			set["events"] = true
		}
		wh, err := e.api.CreateWebhook(e.ctx, e.tenant, f.input(set))
		if err != nil {
			return err
		}
		return e.output(wh, func() {
			showWebhook(e, wh)
			fmt.Fprintf(e.stderr, "\nThe secret is shown only once. Check signatures locally with:\n  hookrelay listen --secret %s\n", wh.Secret)
		})
	}
}

func webhooksList(fs *flag.FlagSet) func(*env, []string) error {
	limit := fs.Int("limit", 0, "at most this many per page (default: the API's)")
	cursor := fs.String("cursor", "", "the next_cursor of the previous page")
	all := fs.Bool("all", false, "follow next_cursor to the end")
	return func(e *env, args []string) error {
		if err := exactArgs(args); err != nil {
			return err
		}
		var hooks []client.Webhook
		next := *cursor
		for {
			p, err := e.api.ListWebhooks(e.ctx, e.tenant, *limit, next)
			if err != nil {
				return err
			}
			hooks = append(hooks, p.Data...)
			next = ""
			if p.NextCursor != nil {
				next = *p.NextCursor
			}
			if !*all || next == "" {
				break
			}
		}
		if hooks == nil {
			hooks = []client.Webhook{}
		}
		return e.output(client.Page[client.Webhook]{Data: hooks, NextCursor: strPtr(next)}, func() {
			rows := make([][]string, len(hooks))
			for i, h := range hooks {
				rows[i] = []string{h.ID, enabledWord(h), strings.Join(h.EventTypes, ","), h.URL, excerpt(h.Description, 40)}
			}
			table(e.stdout, []string{"ID", "STATE", "EVENTS", "URL", "DESCRIPTION"}, rows)
			if next != "" {
				fmt.Fprintf(e.stderr, "more: --cursor %s\n", next)
			}
		})
	}
}

func webhooksGet(fs *flag.FlagSet) func(*env, []string) error {
	return func(e *env, args []string) error {
		if err := exactArgs(args, "<webhook-id>"); err != nil {
			return err
		}
		wh, err := e.api.GetWebhook(e.ctx, e.tenant, args[0])
		if err != nil {
			return err
		}
		return e.output(wh, func() {
			showWebhook(e, wh)
		})
	}
}

func webhooksUpdate(fs *flag.FlagSet) func(*env, []string) error {
	f := declareWebhookFlags(fs)
	version := fs.Int("version", 0, "apply only if the webhook is still at this version (else 409)")
	return func(e *env, args []string) error {
		if err := exactArgs(args, "<webhook-id>"); err != nil {
			return err
		}
		set := setFlags(fs)
		if set["secret"] {
			return usagef("--secret cannot be changed by update; use hookrelay webhooks rotate --secret")
		}
		in := f.input(set)
		if set["version"] {
			in.Version = version
		}
		if in == (client.WebhookInput{Version: in.Version}) {
			return usagef("nothing to change: give --url, --events, --description, --header, --retry, --timeout-ms or --enabled")
		}
		wh, err := e.api.UpdateWebhook(e.ctx, e.tenant, args[0], in)
		if err != nil {
			return err
		}
		return e.output(wh, func() {
			showWebhook(e, wh)
		})
	}
}

func webhooksDelete(fs *flag.FlagSet) func(*env, []string) error {
	return func(e *env, args []string) error {
		if err := exactArgs(args, "<webhook-id>"); err != nil {
			return err
		}
		if err := e.api.DeleteWebhook(e.ctx, e.tenant, args[0]); err != nil {
			return err
		}
		return e.output(map[string]any{"id": args[0], "deleted": true}, func() {
			fmt.Fprintf(e.stdout, "deleted %s\n", args[0])
		})
	}
}

func webhooksTest(fs *flag.FlagSet) func(*env, []string) error {
	eventType := fs.String("event-type", "", "send the tenant's newest event of this type instead of a webhook.test event")
	wait := fs.Duration("wait", 0, "wait up to this long for the first attempt and show it (e.g. 10s)")
	return func(e *env, args []string) error {
		if err := exactArgs(args, "<webhook-id>"); err != nil {
			return err
		}
		r, err := e.api.TestWebhook(e.ctx, e.tenant, args[0], *eventType)
		if err != nil {
			return err
		}
		if *wait <= 0 {
			return e.output(r, func() {
				fields(e.stdout, "delivery", r.DeliveryID, "event", orDash(r.EventID))
				fmt.Fprintf(e.stderr, "\nSee it with: hookrelay deliveries get %s\n", r.DeliveryID)
			})
		}
		d, err := waitForAttempt(e, r.DeliveryID, 1, *wait)
		if err != nil {
			return err
		}
		return e.output(d, func() {
			showDelivery(e, d)
		})
	}
}

func webhooksRotate(fs *flag.FlagSet) func(*env, []string) error {
	secret := fs.String("secret", "", "the new secret (whsec_…); default: generated")
	return func(e *env, args []string) error {
		if err := exactArgs(args, "<webhook-id>"); err != nil {
			return err
		}
		wh, err := e.api.RotateSecret(e.ctx, e.tenant, args[0], *secret)
		if err != nil {
			return err
		}
		return e.output(wh, func() {
			until := "-"
			if wh.PreviousSecretExpiresAt != nil {
				until = when(*wh.PreviousSecretExpiresAt)
			}
			fields(e.stdout, "id", wh.ID, "secret", wh.Secret, "old secret signs until", until)
			fmt.Fprintln(e.stderr, "\nThe new secret is shown only once; deliveries carry both signatures until then.")
		})
	}
}

// showWebhook prints one webhook as name/value lines.
func showWebhook(e *env, wh client.Webhook) {
	headers := make([]string, 0, len(wh.Headers))
	for k, v := range wh.Headers {
		headers = append(headers, k+": "+v)
	}
	sort.Strings(headers)
	pairs := []string{
		"id", wh.ID,
		"url", wh.URL,
		"events", strings.Join(wh.EventTypes, ", "),
		"description", orDash(wh.Description),
		"state", enabledWord(wh),
		"retry", yesNo(wh.Retry),
		"timeout", strconv.Itoa(wh.TimeoutMS) + " ms",
		"headers", orDash(strings.Join(headers, "; ")),
		"version", strconv.Itoa(wh.Version),
		"created", when(wh.CreatedAt),
		"updated", when(wh.UpdatedAt),
	}
	if wh.Secret != "" {
		pairs = append(pairs, "secret", wh.Secret)
	}
	fields(e.stdout, pairs...)
}

func enabledWord(wh client.Webhook) string {
	if wh.Enabled {
		return "enabled"
	}
	if wh.DisabledReason != "" {
		return "disabled (" + wh.DisabledReason + ")"
	}
	return "disabled"
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// waitForAttempt polls a delivery until it has at least n attempts, or
// within has passed.
func waitForAttempt(e *env, id string, n int, within time.Duration) (client.Delivery, error) {
	deadline := time.Now().Add(within)
	for {
		d, err := e.api.GetDelivery(e.ctx, e.tenant, id)
		if err != nil && !client.IsStatus(err, 404) {
			return d, err
		}
		if err == nil && len(d.Attempts) >= n {
			return d, nil
		}
		if time.Now().After(deadline) {
			if err != nil {
				return d, err
			}
			return d, fmt.Errorf("delivery %s has no attempt %d after %s (status %s)", id, n, within, d.Status)
		}
		select {
		case <-e.ctx.Done():
			return d, e.ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
