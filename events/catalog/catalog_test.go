package catalog_test

import (
	"strings"
	"testing"

	"github.com/hookrelay/hookrelay/events/catalog"
	"github.com/hookrelay/hookrelay/shared/webhook"
)

func TestLoad(t *testing.T) {
	c, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	seeds := []string{
		"program.created", "program.updated", "program.deleted",
		"registration.created", "registration.updated", "registration.deleted",
		"transaction.created", "transaction.updated", "transaction.deleted",
		"booking.updated", "booking.cancelled", "availability.updated",
		"class.booked", "class.booking_cancelled", "user.card_scanned", "webhook.test",
	}
	for _, s := range seeds {
		if _, ok := c.Lookup(s); !ok {
			t.Errorf("the catalogue lacks %s", s)
		}
	}
	types := c.Types()
	for i := 1; i < len(types); i++ {
		if types[i-1].Type >= types[i].Type {
			t.Fatalf("not sorted: %s before %s", types[i-1].Type, types[i].Type)
		}
	}
}

func TestValidate(t *testing.T) {
	c, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, typ, data string
		ok              bool
	}{
		{"uncatalogued type, anything goes", "custom.thing", `{"x":[1]}`, true},
		{"minimal registration", "registration.created", `{"registration_id":1,"program_id":2}`, true},
		{"extra fields allowed", "registration.created", `{"registration_id":1,"program_id":2,"note":"x"}`, true},
		{"missing required", "registration.created", `{"program_id":2}`, false},
		{"guest as a name", "registration.created", `{"registration_id":1,"guest":"Ada"}`, true},
		{"guest of the wrong type", "registration.created", `{"registration_id":1,"guest":7}`, false},
		{"wrong type", "registration.created", `{"registration_id":"1","program_id":2}`, false},
		{"bad enum", "registration.updated", `{"registration_id":1,"status":"lost"}`, false},
		{"bad date-time", "user.card_scanned", `{"user_id":1,"club_id":1,"access":"granted","scanned_at":"yesterday"}`, false},
		{"amount an object", "transaction.created", `{"transaction_id":1,"kind":"payment","amount":{"value":12.5}}`, false},
		{"bad currency", "transaction.created", `{"amount":"12.50","currency":"euro"}`, false},
		{"negative slots", "availability.updated", `{"product_id":"p","slots":-1}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := c.Validate(tt.typ, []byte(tt.data))
			if tt.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !tt.ok {
				e, ok := err.(*webhook.Error)
				if !ok || e.Code != webhook.EInvalid || e.Field != "data" {
					t.Fatalf("error %v, want a validation error of data", err)
				}
			}
		})
	}
	err = c.Validate("registration.created", []byte(`{"registration_id":1,"program_id":"two"}`))
	if err == nil || !strings.Contains(err.Error(), "data/program_id") {
		t.Fatalf("error %v does not say where", err)
	}
}
