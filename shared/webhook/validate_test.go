package webhook

import (
	"strings"
	"testing"
	"time"
)

func TestValidateURL(t *testing.T) {
	tests := []struct {
		url          string
		allowPrivate bool
		ok           bool
	}{
		{"https://example.com/hook", false, true},
		{"https://user:pass@example.com/hook", false, true},
		{"https://example.com:8443/a?b=c", false, true},
		{"http://example.com/hook", false, false},
		{"http://example.com/hook", true, true},
		{"http://127.0.0.1:9000/hook", true, true},
		{"https://127.0.0.1/hook", false, false},
		{"https://10.1.2.3/hook", false, false},
		{"https://169.254.169.254/latest", false, false},
		{"https://[::1]/hook", false, false},
		{"https://[::ffff:127.0.0.1]/", false, false},
		{"https://2130706433/", true, false},
		{"https://0x7f000001/", true, false},
		{"https://0177.0.0.1/", true, false},
		{"https://127.1/", true, false},
		{"https://1.2.3.4.5/", true, false},
		{"https://8.8.8.8/", false, true},
		{"ftp://example.com/", true, false},
		{"example.com/hook", true, false},
		{"/relative", true, false},
		{"", true, false},
		{"https://", true, false},
		{"https://exa mple.com/", true, false},
		{"https://example.com:99999/", true, false},
		{"https://example.com/" + strings.Repeat("a", MaxURLLength), true, false},
	}
	for _, tt := range tests {
		err := ValidateURL(tt.url, tt.allowPrivate)
		if (err == nil) != tt.ok {
			t.Errorf("ValidateURL(%q, private=%v) = %v, want ok=%v", tt.url, tt.allowPrivate, err, tt.ok)
		}
		if err != nil && (ErrorCode(err) != EInvalid || err.(*Error).Field != "url") {
			t.Errorf("ValidateURL(%q) error %v is not a validation error on url", tt.url, err)
		}
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://user:secret@example.com/hook?x=1": "https://user:****@example.com/hook?x=1",
		"https://user@example.com/hook":            "https://user@example.com/hook",
		"https://example.com/hook":                 "https://example.com/hook",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValidateHeaders(t *testing.T) {
	many := map[string]string{}
	for i := 0; i <= MaxHeaders; i++ {
		many["X-H"+strings.Repeat("a", i)] = "v"
	}
	tests := []struct {
		name string
		h    map[string]string
		ok   bool
	}{
		{"plain", map[string]string{"X-Api-Key": "abc", "Authorization": "Bearer x"}, true},
		{"too many", many, false},
		{"bad name", map[string]string{"X Bad": "v"}, false},
		{"CR in value", map[string]string{"X-A": "a\rb"}, false},
		{"LF in value", map[string]string{"X-A": "a\nSet-Cookie: x"}, false},
		{"host", map[string]string{"Host": "evil"}, false},
		{"content-type", map[string]string{"content-type": "text/plain"}, false},
		{"content-length", map[string]string{"Content-Length": "1"}, false},
		{"user-agent", map[string]string{"User-Agent": "x"}, false},
		{"webhook-*", map[string]string{"Webhook-Signature": "v1,x"}, false},
	}
	for _, tt := range tests {
		if err := ValidateHeaders(tt.h); (err == nil) != tt.ok {
			t.Errorf("%s: ValidateHeaders = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

func TestValidateIDsAndTypes(t *testing.T) {
	for id, ok := range map[string]bool{"acme": true, "a": true, "acme_gym-2": true, "Acme": false, "-acme": false, "": false, strings.Repeat("a", 64): true, strings.Repeat("a", 65): false} {
		if err := ValidateTenantID(id); (err == nil) != ok {
			t.Errorf("ValidateTenantID(%q) = %v", id, err)
		}
	}
	for id, ok := range map[string]bool{"evt_1": true, "order:42.v1-a": true, "": false, "a b": false, strings.Repeat("x", 128): true, strings.Repeat("x", 129): false, "é": false} {
		if err := ValidateEventID(id); (err == nil) != ok {
			t.Errorf("ValidateEventID(%q) = %v", id, err)
		}
	}
	for typ, ok := range map[string]bool{"registration.created": true, "ClassesBooked": true, "a.b_c.d-e": true, "": false, ".a": false, "a.": false, "a..b": false, "a b": false, "*": false, strings.Repeat("a", 129): false} {
		if err := ValidateEventType("type", typ); (err == nil) != ok {
			t.Errorf("ValidateEventType(%q) = %v", typ, err)
		}
	}
	for p, ok := range map[string]bool{"*": true, "registration.*": true, "registration.created": true, "a.b.*": true, "*.created": false, "registration*": false, ".*": false, "": false} {
		if err := ValidatePattern("event_types", p); (err == nil) != ok {
			t.Errorf("ValidatePattern(%q) = %v", p, err)
		}
	}
}

func TestNewWebhookDefaultsAndErrors(t *testing.T) {
	url := "https://example.com/hook"
	now := time.Now()
	w, err := NewWebhook("acme", WebhookInput{URL: &url, EventTypes: &[]string{"a.b", "a.b", "c.*"}}, false, now)
	if err != nil {
		t.Fatal(err)
	}
	if !w.Retry || !w.Enabled || w.TimeoutMS != DefaultTimeoutMS || len(w.EventTypes) != 2 || !strings.HasPrefix(w.ID, "wh_") || ValidateSecret(w.Secret) != nil {
		t.Fatalf("defaults wrong: %+v", w)
	}
	bad := []struct {
		field string
		in    WebhookInput
	}{
		{"url", WebhookInput{EventTypes: &[]string{"*"}}},
		{"event_types", WebhookInput{URL: &url}},
		{"event_types", WebhookInput{URL: &url, EventTypes: &[]string{}}},
		{"timeout_ms", WebhookInput{URL: &url, EventTypes: &[]string{"*"}, TimeoutMS: ptr(999)}},
		{"timeout_ms", WebhookInput{URL: &url, EventTypes: &[]string{"*"}, TimeoutMS: ptr(30001)}},
		{"secret", WebhookInput{URL: &url, EventTypes: &[]string{"*"}, Secret: ptr("whsec_short")}},
		{"secret", WebhookInput{URL: &url, EventTypes: &[]string{"*"}, Secret: ptr("nope")}},
		{"description", WebhookInput{URL: &url, EventTypes: &[]string{"*"}, Description: ptr(strings.Repeat("d", MaxDescription+1))}},
		{"headers", WebhookInput{URL: &url, EventTypes: &[]string{"*"}, Headers: &map[string]string{"Host": "x"}}},
	}
	for _, tt := range bad {
		_, err := NewWebhook("acme", tt.in, false, now)
		var e *Error
		if err == nil || ErrorCode(err) != EInvalid {
			t.Errorf("want validation error on %s, got %v", tt.field, err)
			continue
		}
		e = err.(*Error)
		if e.Field != tt.field {
			t.Errorf("error on field %q, want %q (%v)", e.Field, tt.field, err)
		}
	}
}

func TestApplyChangesNothingOnError(t *testing.T) {
	url := "https://example.com/hook"
	w, _ := NewWebhook("acme", WebhookInput{URL: &url, EventTypes: &[]string{"*"}}, false, time.Now())
	before := w
	bad := "http://insecure.example.com"
	if err := w.Apply(WebhookInput{Description: ptr("changed"), URL: &bad}, false, time.Now()); err == nil {
		t.Fatal("insecure URL accepted")
	}
	if w.Description != before.Description || w.URL != before.URL || w.Version != before.Version {
		t.Fatalf("a rejected change altered the webhook: %+v", w)
	}
}

func ptr[T any](v T) *T { return &v }
