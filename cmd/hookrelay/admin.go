package main

import (
	"flag"
	"fmt"
)

func init() {
	register(&group{name: "tenants", summary: "tenants (admin key)", verbs: []verb{{
		name: "create", args: "<id>", summary: "create a tenant: hookrelay tenants create sunrise-yoga --name \"Sunrise Yoga\"",
		noTenant: true,
		flags: func(fs *flag.FlagSet) func(*env, []string) error {
			name := fs.String("name", "", "the tenant's display name (default: its id)")
			return func(e *env, args []string) error {
				if err := exactArgs(args, "<id>"); err != nil {
					return err
				}
				n := *name
				if n == "" {
					n = args[0]
				}
				t, err := e.api.CreateTenant(e.ctx, args[0], n)
				if err != nil {
					return err
				}
				return e.output(t, func() {
					fields(e.stdout, "id", t.ID, "name", t.Name, "created", when(t.CreatedAt))
				})
			}
		},
	}}})

	register(&group{name: "keys", summary: "tenant API keys (admin key)", verbs: []verb{{
		name: "create", args: "", summary: "create a key for --tenant; it is shown once",
		flags: func(fs *flag.FlagSet) func(*env, []string) error {
			return func(e *env, args []string) error {
				if err := exactArgs(args); err != nil {
					return err
				}
				k, err := e.api.CreateKey(e.ctx, e.tenant)
				if err != nil {
					return err
				}
				return e.output(k, func() {
					fields(e.stdout, "id", k.ID, "tenant", e.tenant, "key", k.Key)
					fmt.Fprintf(e.stderr, "\nThe key is shown only once. To use it:\n  export HOOKRELAY_TENANT=%s HOOKRELAY_API_KEY=%s\n", e.tenant, k.Key)
				})
			}
		},
	}}})
}
