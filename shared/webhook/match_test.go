package webhook

import "testing"

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, eventType string
		want               bool
	}{
		{"*", "registration.created", true},
		{"*", "ClassesBooked", true},
		{"registration.created", "registration.created", true},
		{"registration.created", "registration.updated", false},
		{"registration.created", "Registration.created", false},
		{"registration.*", "registration.created", true},
		{"registration.*", "registration.payment.failed", true},
		{"registration.*", "registration", false},
		{"registration.*", "registrations.created", false},
		{"registration.*", "program.created", false},
		{"booking.cancel.*", "booking.cancel.late", true},
		{"booking.cancel.*", "booking.cancelled", false},
		{"ClassesBooked", "ClassesBooked", true},
		{"", "x", false},
	}
	for _, tt := range tests {
		if got := Match(tt.pattern, tt.eventType); got != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tt.pattern, tt.eventType, got, tt.want)
		}
	}
}

func TestSubscribes(t *testing.T) {
	w := Webhook{Enabled: true, EventTypes: []string{"booking.created", "registration.*"}}
	for typ, want := range map[string]bool{
		"booking.created": true, "registration.deleted": true, "booking.cancelled": false, "transaction.created": false,
	} {
		if got := w.Subscribes(typ); got != want {
			t.Errorf("Subscribes(%q) = %v, want %v", typ, got, want)
		}
	}
	w.Enabled = false
	if w.Subscribes("booking.created") {
		t.Error("a disabled webhook subscribes")
	}
}
