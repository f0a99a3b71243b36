package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/hookrelay/hookrelay/shared/signature"
)

// runListen is a local receiver: it prints every delivery it gets and, with
// a secret, whether its signature verifies.
func runListen(args []string) error {
	fs := flag.NewFlagSet("listen", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:9000", "address to listen on")
	secret := fs.String("secret", os.Getenv("HOOKRELAY_SECRET"), "the webhook's signing secret (whsec_…), to verify signatures")
	status := fs.Int("status", 200, "status code to answer with")
	if err := fs.Parse(args); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "listening on http://%s — point a webhook here; Ctrl-C stops\n", *addr)
	return http.ListenAndServe(*addr, listenHandler(os.Stdout, *secret, *status))
}

func listenHandler(out io.Writer, secret string, status int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		fmt.Fprintf(out, "\n%s %s %s\n", time.Now().Format(time.TimeOnly), r.Method, r.URL.Path)
		for _, h := range []string{"Webhook-Id", "Webhook-Timestamp", "Webhook-Signature", "User-Agent", "Content-Type"} {
			fmt.Fprintf(out, "  %s: %s\n", h, r.Header.Get(h))
		}
		var pretty bytes.Buffer
		if json.Indent(&pretty, body, "  ", "  ") == nil {
			fmt.Fprintf(out, "  %s\n", pretty.String())
		} else {
			fmt.Fprintf(out, "  %q\n", body)
		}
		if secret != "" {
			err := signature.Verify(secret, r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp"), r.Header.Get("webhook-signature"), body, time.Now(), 5*time.Minute)
			if err != nil {
				fmt.Fprintf(out, "  signature: INVALID (%v)\n", err)
			} else {
				fmt.Fprintln(out, "  signature: valid")
			}
		}
		w.WriteHeader(status)
	})
}
