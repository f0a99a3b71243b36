package signature

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The vectors of the Standard Webhooks libraries v0.0.1: go/webhook_test.go
// (and the same in the JavaScript, Python, PHP, Ruby, C# and Java suites), and
// rust/src/lib.rs.
const (
	vecSecret  = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vecMsgID   = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vecUnix    = 1614265330
	vecPayload = `{"test": 2432232314}`
	vecSig     = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

	rustSecret  = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
	rustMsgID   = "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk"
	rustUnix    = 1649367553
	rustPayload = `{"email":"test@example.com","username":"test_user"}`
	rustSig     = "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="
)

func TestSignVectors(t *testing.T) {
	tests := []struct {
		name    string
		msgID   string
		unix    int64
		payload string
		secrets []string
		want    string
	}{
		{"go/js/python/php/ruby/csharp/java vector", vecMsgID, vecUnix, vecPayload, []string{vecSecret}, vecSig},
		{"same vector, secret without whsec_", vecMsgID, vecUnix, vecPayload, []string{strings.TrimPrefix(vecSecret, "whsec_")}, vecSig},
		{"rust vector", rustMsgID, rustUnix, rustPayload, []string{rustSecret}, rustSig},
		{"rotation: both signatures, in order, one space apart", vecMsgID, vecUnix, vecPayload, []string{vecSecret, vecSecret}, vecSig + " " + vecSig},
		{"rotation of the two vectors' secrets", rustMsgID, rustUnix, rustPayload, []string{rustSecret, rustSecret, rustSecret}, rustSig + " " + rustSig + " " + rustSig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Sub-second parts of the time are not signed.
			ts := time.Unix(tt.unix, 999_999_999)
			got, err := Sign(tt.msgID, ts, []byte(tt.payload), tt.secrets...)
			if err != nil {
				t.Fatalf("Sign: %v", err)
			}
			if got != tt.want {
				t.Errorf("Sign = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSignPaddingIsOptional(t *testing.T) {
	// The Python library's unpadded-secret cases: the key is the same with
	// or without the trailing "=".
	tests := []struct{ unpadded, padded string }{
		{"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
		{"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS="},
		{"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwBr", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwBr=="},
		{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwBr", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwBr=="},
	}
	ts := time.Unix(vecUnix, 0)
	for _, tt := range tests {
		t.Run(tt.unpadded, func(t *testing.T) {
			a, err := Sign(vecMsgID, ts, []byte(vecPayload), tt.unpadded)
			if err != nil {
				t.Fatalf("Sign(unpadded): %v", err)
			}
			b, err := Sign(vecMsgID, ts, []byte(vecPayload), tt.padded)
			if err != nil {
				t.Fatalf("Sign(padded): %v", err)
			}
			if a != b {
				t.Errorf("unpadded %q and padded %q sign differently: %q, %q", tt.unpadded, tt.padded, a, b)
			}
		})
	}
}

func TestSignRejectsBadSecrets(t *testing.T) {
	tests := []struct {
		name    string
		secrets []string
	}{
		{"no secret", nil},
		{"empty", []string{""}},
		{"prefix only", []string{"whsec_"}},
		{"not base64", []string{"whsec_!!!!"}},
		{"url alphabet", []string{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa-_"}},
		{"second of two is bad", []string{vecSecret, "whsec_%%%%"}},
		{"one character", []string{"whsec_M"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Sign(vecMsgID, time.Unix(vecUnix, 0), []byte(vecPayload), tt.secrets...)
			if !errors.Is(err, ErrInvalidSecret) {
				t.Fatalf("Sign = %q, %v; want an error wrapping ErrInvalidSecret", got, err)
			}
			if got != "" {
				t.Errorf("Sign returned %q with its error", got)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	now := time.Unix(vecUnix, 0)
	ts := strconv.Itoa(vecUnix)
	// Signatures from the libraries' multi-signature tests, none valid here.
	const (
		other1 = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="
		other2 = "v1,tFtCZ5RDCPxzWQRWXWPgrCgE2frDBe9gjpbWQxnVfsQ="
		other3 = "v1,Mm7xgUVICxZfQ3bgf0h0Dof65L/IFx+PnZvnDWPCX6Q="
	)
	tests := []struct {
		name      string
		secret    string
		msgID     string
		timestamp string
		header    string
		payload   string
		now       time.Time
		want      error // nil: valid
	}{
		{"valid", vecSecret, vecMsgID, ts, vecSig, vecPayload, now, nil},
		{"valid, secret without prefix", strings.TrimPrefix(vecSecret, "whsec_"), vecMsgID, ts, vecSig, vecPayload, now, nil},
		{"valid among others and other versions", vecSecret, vecMsgID, ts, other1 + " v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= " + vecSig + " " + other1, vecPayload, now, nil},
		{"valid rust vector", rustSecret, rustMsgID, strconv.Itoa(rustUnix), rustSig, rustPayload, time.Unix(rustUnix, 0), nil},
		{"invalid signature", vecSecret, vecMsgID, ts, other1, vecPayload, now, ErrNoMatch},
		{"one changed character", vecSecret, vecMsgID, ts, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=", vecPayload, now, ErrNoMatch},
		{"partial signature v1,", vecSecret, vecMsgID, ts, "v1,", vecPayload, now, ErrNoMatch},
		{"truncated signature", vecSecret, vecMsgID, ts, vecSig[:8], vecPayload, now, ErrNoMatch},
		{"several, none valid", vecSecret, vecMsgID, ts, other2 + " " + other3 + " " + other1, vecPayload, now, ErrNoMatch},
		{"right signature, wrong version", vecSecret, vecMsgID, ts, "v1a," + vecSig[3:], vecPayload, now, ErrNoMatchingVersion},
		{"no version", vecSecret, vecMsgID, ts, vecSig[3:], vecPayload, now, ErrNoMatchingVersion},
		{"wrong secret", rustSecret, vecMsgID, ts, vecSig, vecPayload, now, ErrNoMatch},
		{"changed body", vecSecret, vecMsgID, ts, vecSig, `{"test": 2432232315}`, now, ErrNoMatch},
		{"changed id", vecSecret, "msg_p5jXN8AQM9LWM0D4loKWxJeK", ts, vecSig, vecPayload, now, ErrNoMatch},
		{"changed timestamp", vecSecret, vecMsgID, strconv.Itoa(vecUnix + 1), vecSig, vecPayload, now, ErrNoMatch},
		{"missing id", vecSecret, "", ts, vecSig, vecPayload, now, ErrMissingHeader},
		{"missing timestamp", vecSecret, vecMsgID, "", vecSig, vecPayload, now, ErrMissingHeader},
		{"missing signature", vecSecret, vecMsgID, ts, "", vecPayload, now, ErrMissingHeader},
		{"timestamp not a number", vecSecret, vecMsgID, "hello", vecSig, vecPayload, now, ErrInvalidTimestamp},
		{"timestamp with fraction", vecSecret, vecMsgID, ts + ".0", vecSig, vecPayload, now, ErrInvalidTimestamp},
		{"timestamp with sign", vecSecret, vecMsgID, "+" + ts, vecSig, vecPayload, now, ErrInvalidTimestamp},
		{"negative timestamp", vecSecret, vecMsgID, "-" + ts, vecSig, vecPayload, now, ErrInvalidTimestamp},
		{"timestamp overflows", vecSecret, vecMsgID, "99999999999999999999", vecSig, vecPayload, now, ErrInvalidTimestamp},
		{"exactly tolerance old", vecSecret, vecMsgID, ts, vecSig, vecPayload, now.Add(DefaultTolerance), nil},
		{"exactly tolerance new", vecSecret, vecMsgID, ts, vecSig, vecPayload, now.Add(-DefaultTolerance), nil},
		{"too old", vecSecret, vecMsgID, ts, vecSig, vecPayload, now.Add(DefaultTolerance + time.Second), ErrTimestampTooOld},
		{"too new", vecSecret, vecMsgID, ts, vecSig, vecPayload, now.Add(-DefaultTolerance - time.Second), ErrTimestampTooNew},
		{"bad secret", "whsec_!!!", vecMsgID, ts, vecSig, vecPayload, now, ErrInvalidSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.secret, tt.msgID, tt.timestamp, tt.header, []byte(tt.payload), tt.now, DefaultTolerance)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Verify: %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify: %v, want an error wrapping %v", err, tt.want)
			}
		})
	}
}

func TestSignThenVerify(t *testing.T) {
	// Bodies and ids of every size class, the long ones past the stack
	// buffers, and a key longer than the SHA-256 block.
	long := strings.Repeat("x", 300)
	longKey := "whsec_" + strings.Repeat("QUJD", 40)
	bodies := map[string][]byte{
		"empty":  nil,
		"json":   []byte(vecPayload),
		"binary": {0, 1, 2, 0xff, '.', '\n'},
		"256KiB": []byte(strings.Repeat("é", 128*1024)),
	}
	now := time.Unix(1_800_000_000, 0)
	for _, msgID := range []string{vecMsgID, long} {
		for _, secret := range []string{vecSecret, rustSecret, longKey} {
			for name, body := range bodies {
				t.Run(name, func(t *testing.T) {
					header, err := Sign(msgID, now, body, rustSecret, secret)
					if err != nil {
						t.Fatalf("Sign: %v", err)
					}
					if err := Verify(secret, msgID, strconv.FormatInt(now.Unix(), 10), header, body, now, time.Minute); err != nil {
						t.Fatalf("Verify(%q): %v", header, err)
					}
				})
			}
		}
	}
}

func TestSignAllocatesOnlyItsResult(t *testing.T) {
	body := []byte(strings.Repeat("a", 4<<10))
	ts := time.Unix(vecUnix, 0)
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := Sign(vecMsgID, ts, body, vecSecret, rustSecret); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 1 {
		t.Errorf("Sign made %v allocations, want 1 (the header string)", allocs)
	}
}

var sink string

func BenchmarkSign(b *testing.B) {
	for _, size := range []int{256, 4 << 10, 64 << 10} {
		body := []byte(strings.Repeat("a", size))
		for _, secrets := range [][]string{{vecSecret}, {vecSecret, rustSecret}} {
			b.Run(strconv.Itoa(size)+"B/"+strconv.Itoa(len(secrets))+"secret", func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(size))
				ts := time.Unix(vecUnix, 0)
				for b.Loop() {
					s, err := Sign(vecMsgID, ts, body, secrets...)
					if err != nil {
						b.Fatal(err)
					}
					sink = s
				}
			})
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	body := []byte(strings.Repeat("a", 4<<10))
	ts := time.Unix(vecUnix, 0)
	header, err := Sign(vecMsgID, ts, body, rustSecret, vecSecret)
	if err != nil {
		b.Fatal(err)
	}
	unix := strconv.Itoa(vecUnix)
	b.ReportAllocs()
	for b.Loop() {
		if err := Verify(vecSecret, vecMsgID, unix, header, body, ts, DefaultTolerance); err != nil {
			b.Fatal(err)
		}
	}
}

func TestHMACMatchesCryptoHMAC(t *testing.T) {
	// Key lengths around the SHA-256 block (64 bytes) and message lengths
	// around its multiples, where a hand-written HMAC would go wrong first.
	for _, keyLen := range []int{1, 16, 32, 63, 64, 65, 100, 128, 200} {
		for _, msgLen := range []int{0, 1, 55, 56, 63, 64, 65, 119, 120, 1000} {
			key := bytes.Repeat([]byte{byte(keyLen)}, keyLen)
			for i := range key {
				key[i] ^= byte(i * 7)
			}
			msg := bytes.Repeat([]byte{'m'}, msgLen)
			split := msgLen / 3
			want := hmac.New(sha256.New, key)
			want.Write(msg)
			got := hmacSHA256(nil, key, msg[:split], msg[split:])
			if !bytes.Equal(got, want.Sum(nil)) {
				t.Errorf("key %d bytes, message %d bytes: got %x, want %x", keyLen, msgLen, got, want.Sum(nil))
			}
		}
	}
}
