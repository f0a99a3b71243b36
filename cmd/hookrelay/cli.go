package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/hookrelay/hookrelay/shared/client"
)

// group is a noun with its verbs: `hookrelay webhooks create`.
type group struct {
	name    string
	summary string
	verbs   []verb
}

// verb is one API command. run gets the parsed flags' env and the
// positional arguments.
type verb struct {
	name    string
	args    string // the positional arguments, for the usage line
	summary string
	// flags declares the command's own flags on fs; it returns the action.
	flags func(fs *flag.FlagSet) func(e *env, args []string) error
	// noTenant is set when the command needs no tenant.
	noTenant bool
}

// groups are the API commands by noun.
var groups = map[string]*group{}

func register(g *group) { groups[g.name] = g }

// env is what every API command gets: the client, the tenant, the output.
type env struct {
	ctx    context.Context
	api    *client.Client
	tenant string
	json   bool
	stdout io.Writer
	stderr io.Writer
}

// usageError is a wrong command line (exit code 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

func isUsage(err error) bool {
	var u usageError
	return errors.As(err, &u)
}

func (g *group) usage() string {
	var b strings.Builder
	fmt.Fprintf(&b, "hookrelay %s — %s\n\nUsage:\n", g.name, g.summary)
	for _, v := range g.verbs {
		fmt.Fprintf(&b, "  hookrelay %s %-8s %-14s %s\n", g.name, v.name, v.args, v.summary)
	}
	fmt.Fprintf(&b, "\nRun \"hookrelay %s <command> --help\" for a command's flags.\n", g.name)
	return b.String()
}

// run runs `hookrelay <group> <verb> …`.
func (g *group) run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, g.usage())
		return exitUsage
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "-help" || args[0] == "help" {
		fmt.Fprint(stdout, g.usage())
		return exitOK
	}
	for _, v := range g.verbs {
		if v.name == args[0] {
			return g.runVerb(v, args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "hookrelay %s: unknown command %q\n\n%s", g.name, args[0], g.usage())
	return exitUsage
}

func (g *group) runVerb(v verb, args []string, stdout, stderr io.Writer) int {
	name := g.name + " " + v.name
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	apiURL := fs.String("api-url", envOr("HOOKRELAY_API_URL", client.DefaultURL), "the API's base URL (env HOOKRELAY_API_URL)")
	// The key's default is read after parsing, so --help never prints it.
	key := fs.String("key", "", "API key, admin or tenant (default: env HOOKRELAY_API_KEY)")
	tenant := new(string)
	if !v.noTenant {
		fs.StringVar(tenant, "tenant", os.Getenv("HOOKRELAY_TENANT"), "tenant id (env HOOKRELAY_TENANT)")
	}
	asJSON := fs.Bool("json", false, "print the API's JSON instead of a table")
	timeout := fs.Duration("timeout", 30*time.Second, "give up on the API after this long")
	action := v.flags(fs)
	usage := func() {
		fmt.Fprintf(stdout, "hookrelay %s %s\n\n%s\n\nFlags:\n", name, v.args, v.summary)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	fs.Usage = func() {} // the flag package would print it on every parse error
	pos, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		usage()
		return exitOK
	}
	if *key == "" {
		*key = os.Getenv("HOOKRELAY_API_KEY")
	}
	if err != nil {
		fmt.Fprintf(stderr, "hookrelay %s: %v\nRun \"hookrelay %s --help\" for its flags.\n", name, err, name)
		return exitUsage
	}
	if !v.noTenant && *tenant == "" {
		fmt.Fprintf(stderr, "hookrelay %s: no tenant: pass --tenant or set HOOKRELAY_TENANT\n", name)
		return exitUsage
	}
	if *key == "" {
		fmt.Fprintf(stderr, "hookrelay %s: no API key: pass --key or set HOOKRELAY_API_KEY\n", name)
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	api := client.New(*apiURL, *key)
	e := &env{ctx: ctx, api: api, tenant: *tenant, json: *asJSON, stdout: stdout, stderr: stderr}
	err = action(e, pos)
	if err == nil {
		return exitOK
	}
	if isUsage(err) {
		fmt.Fprintf(stderr, "hookrelay %s: %v\nRun \"hookrelay %s --help\" for its flags.\n", name, err, name)
		return exitUsage
	}
	printError(stderr, name, err, *asJSON)
	return exitError
}

// printError shows an API error with its code, message and field; with
// --json as the API's own error object.
func printError(w io.Writer, name string, err error, asJSON bool) {
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) {
		fmt.Fprintf(w, "hookrelay %s: %v\n", name, err)
		return
	}
	if asJSON {
		b, _ := json.Marshal(map[string]any{"error": apiErr})
		fmt.Fprintf(w, "%s\n", b)
		return
	}
	fmt.Fprintf(w, "hookrelay %s: %s (HTTP %d): %s\n", name, apiErr.Code, apiErr.Status, apiErr.Message)
	if apiErr.Field != "" {
		fmt.Fprintf(w, "  field: %s\n", apiErr.Field)
	}
}

// parseInterleaved parses flags wherever they are among the positional
// arguments, which the flag package alone stops at, and returns the
// positional ones.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// exactArgs checks the count of positional arguments.
func exactArgs(args []string, names ...string) error {
	if len(args) != len(names) {
		if len(names) == 0 {
			return usagef("takes no arguments, got %q", args)
		}
		return usagef("want %s, got %d argument(s)", strings.Join(names, " "), len(args))
	}
	return nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// setFlags returns the names of the flags given on the command line.
func setFlags(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

// listFlag is a flag that may be repeated or comma-separated.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// headerFlag is a repeated "Name: value" flag.
type headerFlag map[string]string

func (h headerFlag) String() string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ",")
}

func (h headerFlag) Set(v string) error {
	name, value, ok := strings.Cut(v, ":")
	if !ok {
		return fmt.Errorf("want \"Name: value\", got %q", v)
	}
	h[strings.TrimSpace(name)] = strings.TrimSpace(value)
	return nil
}

// output prints v as JSON with --json, else calls human to print it for
// people.
func (e *env) output(v any, human func()) error {
	if e.json {
		return printJSON(e.stdout, v)
	}
	human()
	return nil
}
