package webhook

import (
	"strings"
	"time"
)

// WebhookInput is the body of a webhook create or update. A nil field was not
// given: on create it takes its default, on update it stays as it was.
type WebhookInput struct {
	URL         *string            `json:"url"`
	EventTypes  *[]string          `json:"event_types"`
	Description *string            `json:"description"`
	Headers     *map[string]string `json:"headers"`
	Retry       *bool              `json:"retry"`
	TimeoutMS   *int               `json:"timeout_ms"`
	Enabled     *bool              `json:"enabled"`
	Secret      *string            `json:"secret"`
}

// NewWebhook validates a create request and returns the webhook it describes,
// with defaults filled in and a new secret unless the caller supplied one.
func NewWebhook(tenantID string, in WebhookInput, allowPrivate bool, now time.Time) (Webhook, error) {
	if in.URL == nil {
		return Webhook{}, Invalid("url", "is required")
	}
	if in.EventTypes == nil {
		return Webhook{}, Invalid("event_types", "is required")
	}
	w := Webhook{
		ID:        NewID("wh"),
		TenantID:  tenantID,
		Headers:   map[string]string{},
		Retry:     true,
		TimeoutMS: DefaultTimeoutMS,
		Enabled:   true,
		CreatedAt: now,
		Version:   1,
	}
	if in.Secret == nil {
		w.Secret = NewSecret()
	} else {
		if err := ValidateSecret(*in.Secret); err != nil {
			return Webhook{}, err
		}
		w.Secret = *in.Secret
	}
	if err := w.Apply(in, allowPrivate, now); err != nil {
		return Webhook{}, err
	}
	w.Version = 1
	return w, nil
}

// Apply validates the given fields of in and sets them on w, changing nothing
// when any is invalid. It does not touch the secret: rotation has its own route.
func (w *Webhook) Apply(in WebhookInput, allowPrivate bool, now time.Time) error {
	next := *w
	if in.URL != nil {
		if err := ValidateURL(*in.URL, allowPrivate); err != nil {
			return err
		}
		next.URL = *in.URL
	}
	if in.EventTypes != nil {
		types, err := normalizePatterns(*in.EventTypes)
		if err != nil {
			return err
		}
		next.EventTypes = types
	}
	if in.Description != nil {
		if len(*in.Description) > MaxDescription {
			return Invalid("description", "must be at most %d bytes", MaxDescription)
		}
		next.Description = *in.Description
	}
	if in.Headers != nil {
		if err := ValidateHeaders(*in.Headers); err != nil {
			return err
		}
		next.Headers = make(map[string]string, len(*in.Headers))
		for k, v := range *in.Headers {
			next.Headers[k] = v
		}
	}
	if in.Retry != nil {
		next.Retry = *in.Retry
	}
	if in.TimeoutMS != nil {
		if err := ValidateTimeout(*in.TimeoutMS); err != nil {
			return err
		}
		next.TimeoutMS = *in.TimeoutMS
	}
	if in.Enabled != nil {
		next.Enabled = *in.Enabled
		if next.Enabled {
			next.DisabledReason = ""
		}
		if next.Enabled && !w.Enabled {
			next.Health = Health{} // a re-enabled endpoint starts afresh
		}
	}
	next.UpdatedAt = now
	next.Version = w.Version + 1
	*w = next
	return nil
}

// normalizePatterns validates a subscription list and removes duplicates,
// keeping the caller's order.
func normalizePatterns(in []string) ([]string, error) {
	const field = "event_types"
	if len(in) == 0 {
		return nil, Invalid(field, "must name at least one event type, or \"*\"")
	}
	if len(in) > MaxEventTypes {
		return nil, Invalid(field, "at most %d entries", MaxEventTypes)
	}
	seen := make(map[string]bool, len(in))
	out := make([]string, 0, len(in))
	for _, p := range in {
		p = strings.TrimSpace(p)
		if err := ValidatePattern(field, p); err != nil {
			return nil, err
		}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out, nil
}
