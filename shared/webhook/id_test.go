package webhook

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestNewIDSortsByTime(t *testing.T) {
	a := NewID("evt")
	time.Sleep(2 * time.Millisecond)
	b := NewID("evt")
	if !regexp.MustCompile(`^evt_[0-9a-z]{26}$`).MatchString(a) {
		t.Fatalf("id %q has the wrong shape", a)
	}
	if a >= b {
		t.Fatalf("ids do not sort by time: %q then %q", a, b)
	}
}

func TestDeliveryIDIsDeterministic(t *testing.T) {
	a := DeliveryID("acme", "evt_1", "wh_1")
	if a != DeliveryID("acme", "evt_1", "wh_1") {
		t.Fatal("same inputs, different ids")
	}
	for _, other := range []string{DeliveryID("acme", "evt_1", "wh_2"), DeliveryID("acme", "evt_2", "wh_1"), DeliveryID("acme2", "evt_1", "wh_1"), DeliveryID("acme", "evt_1\x00", "wh_1")} {
		if other == a {
			t.Fatalf("different inputs share id %q", a)
		}
	}
	if !strings.HasPrefix(a, "msg_") || len(a) != 30 {
		t.Fatalf("delivery id %q", a)
	}
}

func TestKeysAndSecrets(t *testing.T) {
	k, h := NewKey()
	if !strings.HasPrefix(k, "hr_") || HashKey(k) != h || len(h) != 64 {
		t.Fatalf("key %q hash %q", k, h)
	}
	if err := ValidateSecret(NewSecret()); err != nil {
		t.Fatalf("a new secret fails validation: %v", err)
	}
}

func TestTruncateBody(t *testing.T) {
	long := strings.Repeat("é", 1500)
	got := TruncateBody([]byte(long))
	if n := len([]rune(got)); n != MaxResponseBody {
		t.Fatalf("kept %d characters, want %d", n, MaxResponseBody)
	}
	if TruncateBody([]byte("short")) != "short" {
		t.Fatal("a short body changed")
	}
}
