package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/hookrelay/hookrelay/shared/webhook"
)

// eventInput is the body of POST /v1/tenants/{t}/events.
type eventInput struct {
	ID   *string         `json:"id"`
	Type *string         `json:"type"`
	Data json.RawMessage `json:"data"`
}

// eventAccepted is the answer to a new publication.
type eventAccepted struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	Timestamp string `json:"timestamp"`
}

// eventView is an event with its deliveries.
type eventView struct {
	webhook.Event
	Deliveries []deliveryView `json:"deliveries"`
}

// publishEvent handles POST /v1/tenants/{t}/events {type, data, id?}. A new
// event is stored (the events stream fans it out) and answered 202; the same
// id again with the same type and data answers 200 with the stored event,
// with different ones 409.
func (s *server) publishEvent(w http.ResponseWriter, r *http.Request) error {
	var in eventInput
	if err := s.decodeBody(w, r, &in); err != nil {
		return err
	}
	e, err := newEvent(r.PathValue("t"), in, s.now())
	if err != nil {
		return err
	}
	if err := s.cfg.Catalog.Validate(e.Type, e.Data); err != nil {
		return err
	}
	stored, created, err := s.cfg.Store.PutEvent(r.Context(), e)
	if err != nil {
		return err
	}
	if created {
		writeJSON(w, http.StatusAccepted, accepted(stored))
		return nil
	}
	same, err := sameEvent(stored, e)
	if err != nil {
		return err
	}
	if !same {
		return webhook.Errorf(webhook.EConflict, "event %q was already published with a different type or data", e.ID)
	}
	writeJSON(w, http.StatusOK, stored)
	return nil
}

// newEvent validates a publication and returns the event to store: data
// compacted, the id generated when absent, the timestamp now (to the second,
// as the delivered payload shows it).
func newEvent(tenantID string, in eventInput, now time.Time) (webhook.Event, error) {
	e := webhook.Event{TenantID: tenantID, Timestamp: now.Truncate(time.Second)}
	if in.ID != nil {
		if err := webhook.ValidateEventID(*in.ID); err != nil {
			return e, err
		}
		e.ID = *in.ID
	} else {
		e.ID = webhook.NewID("evt")
	}
	if in.Type == nil || *in.Type == "" {
		return e, webhook.Invalid("type", "is required")
	}
	if err := webhook.ValidateEventType("type", *in.Type); err != nil {
		return e, err
	}
	e.Type = *in.Type
	data, err := compactObject(in.Data)
	if err != nil {
		return e, err
	}
	e.Data = data
	return e, nil
}

// compactObject checks that raw is a JSON object and returns it compacted.
func compactObject(raw json.RawMessage) (json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, webhook.Invalid("data", "is required")
	}
	if raw[0] != '{' {
		return nil, webhook.Invalid("data", "must be a JSON object")
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, webhook.Invalid("data", "is not valid JSON")
	}
	return buf.Bytes(), nil
}

// sameEvent reports whether a republication matches the stored event: the
// same type and the same data, compared as JSON values (key order and white
// space aside).
func sameEvent(stored, again webhook.Event) (bool, error) {
	if stored.Type != again.Type {
		return false, nil
	}
	a, err := canonicalJSON(stored.Data)
	if err != nil {
		return false, fmt.Errorf("api: stored event %q: %w", stored.ID, err)
	}
	b, err := canonicalJSON(again.Data)
	if err != nil {
		return false, webhook.Invalid("data", "is not valid JSON")
	}
	return bytes.Equal(a, b), nil
}

// canonicalJSON re-encodes a JSON value with sorted keys and no white space;
// numbers keep their literal spelling.
func canonicalJSON(raw []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	out, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	return out, nil
}

func accepted(e webhook.Event) eventAccepted {
	return eventAccepted{ID: e.ID, Type: e.Type, Timestamp: e.Timestamp.UTC().Format(time.RFC3339)}
}

// getEvent handles GET /v1/tenants/{t}/events/{id}: the event and its
// deliveries.
func (s *server) getEvent(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if webhook.ValidateEventID(id) != nil {
		return webhook.Errorf(webhook.ENotFound, "event not found")
	}
	e, err := s.cfg.Store.GetEvent(r.Context(), r.PathValue("t"), id)
	if err != nil {
		return err
	}
	ds, err := s.cfg.Store.EventDeliveries(r.Context(), e.TenantID, e.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, eventView{Event: e, Deliveries: viewDeliveries(ds)})
	return nil
}

// eventTypes handles GET /v1/event-types: the catalogue → {data}.
func (s *server) eventTypes(w http.ResponseWriter, _ *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]any{"data": s.cfg.Catalog.Types()})
	return nil
}
