package api

import (
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/hookrelay/hookrelay/shared/webhook"
)

// webhookView is a webhook as answered: the URL's password redacted, the
// secret absent.
type webhookView struct {
	webhook.Webhook
}

func viewWebhook(w webhook.Webhook) webhookView {
	w.URL = webhook.RedactURL(w.URL)
	if w.Headers == nil {
		w.Headers = map[string]string{}
	}
	if w.EventTypes == nil {
		w.EventTypes = []string{}
	}
	return webhookView{w}
}

// createdWebhookView is the answer to a create: the only time the secret is
// shown.
type createdWebhookView struct {
	webhookView
	Secret string `json:"secret"`
}

// deliveryView is a delivery as answered: next_attempt_at is null when no
// attempt is scheduled.
type deliveryView struct {
	webhook.Delivery
	NextAttemptAt *time.Time `json:"next_attempt_at"`
}

func viewDelivery(d webhook.Delivery) deliveryView {
	v := deliveryView{Delivery: d}
	if d.Attempts == nil {
		v.Attempts = []webhook.Attempt{}
	}
	if !d.NextAttemptAt.IsZero() && d.Status == webhook.StatusPending {
		t := d.NextAttemptAt
		v.NextAttemptAt = &t
	}
	return v
}

func viewDeliveries(ds []webhook.Delivery) []deliveryView {
	out := make([]deliveryView, len(ds))
	for i, d := range ds {
		out[i] = viewDelivery(d)
	}
	return out
}

// list is the answer of every list route.
type list[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

func newList[T any](data []T, next string) list[T] {
	if data == nil {
		data = []T{}
	}
	l := list[T]{Data: data}
	if next != "" {
		l.NextCursor = &next
	}
	return l
}

// maxCursor bounds a cursor; the store's are far shorter.
const maxCursor = 1024

// pageOf reads the limit and cursor query parameters.
func pageOf(r *http.Request) (webhook.Page, error) {
	q := r.URL.Query()
	p := webhook.Page{Cursor: q.Get("cursor")}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > webhook.MaxPageLimit {
			return p, webhook.Invalid("limit", "must be an integer from 1 to %d", webhook.MaxPageLimit)
		}
		p.Limit = n
	}
	if len(p.Cursor) > maxCursor || !utf8.ValidString(p.Cursor) {
		return p, webhook.Invalid("cursor", "is not a cursor from this list")
	}
	return p, nil
}

// maxPathID bounds the id in a path; longer ones cannot exist.
const maxPathID = 256

// pathID returns the {id} path value, or a not-found error naming what when
// it cannot be an id.
func pathID(r *http.Request, what string) (string, error) {
	id := r.PathValue("id")
	if id == "" || len(id) > maxPathID || !utf8.ValidString(id) {
		return "", webhook.Errorf(webhook.ENotFound, "%s not found", what)
	}
	return id, nil
}
