package signature_test

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookrelay/hookrelay/shared/signature"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	svix "github.com/svix/svix-webhooks/go"
)

// verifier is what the receivers' libraries have in common.
type verifier interface {
	Verify(payload []byte, headers http.Header) error
}

// libraries returns the receivers' verifiers for secret: the Standard
// Webhooks and Svix Go libraries.
func libraries(t *testing.T, secret string) map[string]verifier {
	t.Helper()
	sw, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatalf("standardwebhooks.NewWebhook: %v", err)
	}
	sx, err := svix.NewWebhook(secret)
	if err != nil {
		t.Fatalf("svix.NewWebhook: %v", err)
	}
	return map[string]verifier{"standard-webhooks": sw, "svix": sx}
}

// newSecret is a secret as hookrelay issues it: "whsec_" and the base64 of
// 32 random bytes.
func newSecret(t *testing.T) string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return "whsec_" + base64.StdEncoding.EncodeToString(b[:])
}

func TestReceiverLibrariesVerifySign(t *testing.T) {
	current, previous, stranger := newSecret(t), newSecret(t), newSecret(t)
	bodies := map[string][]byte{
		"empty":   {},
		"event":   []byte(`{"id":"evt_1","type":"registration.created","timestamp":"2026-11-22T07:30:00Z","data":{"name":"Zoë"}}`),
		"binary":  {0, 0xff, '.', ' ', '\n'},
		"256 KiB": []byte(strings.Repeat("ü", 128<<10)),
	}
	tests := []struct {
		name    string
		signers []string // the secrets Sign is given
		checker string   // the secret the receiver holds
		valid   bool
	}{
		{"one secret", []string{current}, current, true},
		{"rotation, receiver has the new secret", []string{current, previous}, current, true},
		{"rotation, receiver still has the old secret", []string{current, previous}, previous, true},
		{"receiver has another secret", []string{current, previous}, stranger, false},
	}
	for _, tt := range tests {
		for bodyName, body := range bodies {
			for lib, v := range libraries(t, tt.checker) {
				t.Run(tt.name+"/"+bodyName+"/"+lib, func(t *testing.T) {
					now := time.Now()
					sig, err := signature.Sign("msg_2Kq8example", now, body, tt.signers...)
					if err != nil {
						t.Fatalf("Sign: %v", err)
					}
					h := http.Header{}
					h.Set(signature.HeaderID, "msg_2Kq8example")
					h.Set(signature.HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
					h.Set(signature.HeaderSignature, sig)
					err = v.Verify(body, h)
					if tt.valid && err != nil {
						t.Errorf("%s rejects %q: %v", lib, sig, err)
					}
					if !tt.valid && err == nil {
						t.Errorf("%s accepts %q signed with other secrets", lib, sig)
					}
				})
			}
		}
	}
}

func TestVerifyAcceptsLibrarySignatures(t *testing.T) {
	secret := newSecret(t)
	lib, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	body := []byte(`{"id":"evt_1","type":"booking.cancelled","data":{}}`)
	sig, err := lib.Sign("msg_fromlib", now, body)
	if err != nil {
		t.Fatal(err)
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	if err := signature.Verify(secret, "msg_fromlib", ts, sig, body, now, signature.DefaultTolerance); err != nil {
		t.Errorf("Verify rejects the library's signature %q: %v", sig, err)
	}
	if err := signature.Verify(newSecret(t), "msg_fromlib", ts, sig, body, now, signature.DefaultTolerance); err == nil {
		t.Errorf("Verify accepts the library's signature %q with another secret", sig)
	}
}
