// Package signature signs and verifies webhook requests with the Standard
// Webhooks scheme (https://www.standardwebhooks.com), which Svix and the
// Standard Webhooks libraries verify: the webhook-signature header holds
// "v1,<base64 HMAC-SHA256 over "<id>.<timestamp>.<body>">", keyed with the
// base64-decoded secret, one such signature per secret, space-separated.
//
// It uses the standard library only.
package signature

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The request headers of the scheme.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// SecretPrefix starts every secret that hookrelay issues. It is optional on
// input: a secret without it is read as the base64 alone.
const SecretPrefix = "whsec_"

// DefaultTolerance is how far the timestamp of a request may be from the
// receiver's clock, in either direction, under the Standard Webhooks
// recommendation.
const DefaultTolerance = 5 * time.Minute

// Errors that Sign and Verify wrap; test them with errors.Is.
var (
	ErrInvalidSecret     = errors.New("invalid signing secret")
	ErrMissingHeader     = errors.New("missing webhook header")
	ErrInvalidTimestamp  = errors.New("invalid webhook timestamp")
	ErrTimestampTooOld   = errors.New("webhook timestamp too old")
	ErrTimestampTooNew   = errors.New("webhook timestamp too new")
	ErrNoMatchingVersion = errors.New("no v1 signature")
	ErrNoMatch           = errors.New("no matching signature")
)

const (
	version = "v1,"
	// sigLen is the length of one "v1,<base64 of 32 bytes>" signature.
	sigLen = len(version) + 44
	// maxStackKey bounds the secrets decoded without a heap allocation.
	maxStackKey = 96
	// maxStackPrefix bounds the "<id>.<timestamp>." prefixes built without a
	// heap allocation.
	maxStackPrefix = 160
)

// Sign returns the webhook-signature header of a request: one "v1,<base64>"
// signature per secret, in the order given, separated by spaces (two secrets
// during a rotation). ts is the webhook-timestamp header's time; only its unix
// seconds are signed. Each secret is "whsec_" and the base64 of the key, the
// prefix optional; padding may be left out. Sign fails when no secret is given
// or one does not decode to a non-empty key.
func Sign(msgID string, ts time.Time, body []byte, secrets ...string) (string, error) {
	if len(secrets) == 0 {
		return "", fmt.Errorf("signature: sign: %w: none given", ErrInvalidSecret)
	}
	var pbuf [maxStackPrefix]byte
	prefix := signedPrefix(pbuf[:0], msgID, ts.Unix())

	var out strings.Builder
	out.Grow(len(secrets)*(sigLen+1) - 1)
	for i, secret := range secrets {
		var kbuf [maxStackKey]byte
		key, err := decodeSecret(kbuf[:0], secret)
		if err != nil {
			return "", fmt.Errorf("signature: sign with secret %d: %w", i+1, err)
		}
		var sbuf [sigLen]byte
		if i > 0 {
			out.WriteByte(' ')
		}
		out.Write(appendSignature(sbuf[:0], key, prefix, body))
	}
	return out.String(), nil
}

// Verify checks a request as a receiver would: the timestamp (unix seconds)
// must be within tolerance of now, and at least one v1 signature of the
// space-separated signatureHeader must be the one secret makes for msgID,
// timestamp and body. Signatures are compared in constant time; entries of
// other versions are skipped. The error wraps one of the package's Err values.
func Verify(secret string, msgID, timestamp, signatureHeader string, body []byte, now time.Time, tolerance time.Duration) error {
	if msgID == "" || timestamp == "" || signatureHeader == "" {
		return fmt.Errorf("signature: verify: %w", ErrMissingHeader)
	}
	unix, err := parseTimestamp(timestamp)
	if err != nil {
		return fmt.Errorf("signature: verify: %w", err)
	}
	if err := checkTolerance(time.Unix(unix, 0), now, tolerance); err != nil {
		return fmt.Errorf("signature: verify: %w", err)
	}
	var kbuf [maxStackKey]byte
	key, err := decodeSecret(kbuf[:0], secret)
	if err != nil {
		return fmt.Errorf("signature: verify: %w", err)
	}
	var pbuf [maxStackPrefix]byte
	var sbuf [sigLen]byte
	want := appendSignature(sbuf[:0], key, signedPrefix(pbuf[:0], msgID, unix), body)
	return matchAny(signatureHeader, want[len(version):])
}

// matchAny reports, as an error, whether any v1 entry of header equals want,
// the base64 of the expected MAC.
func matchAny(header string, want []byte) error {
	sawV1 := false
	for entry := range strings.FieldsSeq(header) {
		v, sig, ok := strings.Cut(entry, ",")
		if !ok || v != "v1" {
			continue
		}
		sawV1 = true
		if hmac.Equal([]byte(sig), want) {
			return nil
		}
	}
	if !sawV1 {
		return fmt.Errorf("signature: verify: %w", ErrNoMatchingVersion)
	}
	return fmt.Errorf("signature: verify: %w", ErrNoMatch)
}

// parseTimestamp reads a webhook-timestamp header: decimal unix seconds, no
// sign, no fraction.
func parseTimestamp(s string) (int64, error) {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("%w: %q is not unix seconds", ErrInvalidTimestamp, s)
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrInvalidTimestamp, err)
	}
	return n, nil
}

// checkTolerance fails when ts is more than tolerance before or after now.
func checkTolerance(ts, now time.Time, tolerance time.Duration) error {
	switch {
	case now.Sub(ts) > tolerance:
		return fmt.Errorf("%w: %s before %s", ErrTimestampTooOld, ts.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	case ts.Sub(now) > tolerance:
		return fmt.Errorf("%w: %s after %s", ErrTimestampTooNew, ts.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	return nil
}

// signedPrefix appends "<msgID>.<unix>." to dst: what is hashed before the
// body.
func signedPrefix(dst []byte, msgID string, unix int64) []byte {
	dst = append(dst, msgID...)
	dst = append(dst, '.')
	dst = strconv.AppendInt(dst, unix, 10)
	return append(dst, '.')
}

// decodeSecret appends the key of a secret ("whsec_" optional, base64 with or
// without padding) to dst.
func decodeSecret(dst []byte, secret string) ([]byte, error) {
	b64 := strings.TrimPrefix(secret, SecretPrefix)
	enc := base64.StdEncoding
	if len(b64)%4 != 0 {
		enc = base64.RawStdEncoding
	}
	key, err := enc.AppendDecode(dst, []byte(b64))
	if err != nil {
		return nil, fmt.Errorf("%w: not base64: %w", ErrInvalidSecret, err)
	}
	if len(key) == 0 {
		return nil, fmt.Errorf("%w: empty key", ErrInvalidSecret)
	}
	return key, nil
}

// appendSignature appends "v1,<base64 HMAC-SHA256(key, prefix+body)>" to dst.
func appendSignature(dst, key, prefix, body []byte) []byte {
	var sum [sha256.Size]byte
	dst = append(dst, version...)
	return base64.StdEncoding.AppendEncode(dst, hmacSHA256(sum[:0], key, prefix, body))
}

// hmacSHA256 appends HMAC-SHA256(key, prefix+body) (RFC 2104) to dst. It is
// crypto/hmac's result, computed without its heap allocations: sha256.New is
// inlined and stays on the stack, which matters on the delivery path where
// every attempt signs once per secret. TestHMACMatchesCryptoHMAC holds the two
// equal.
func hmacSHA256(dst, key, prefix, body []byte) []byte {
	const ipad, opad = 0x36, 0x5c
	var k [sha256.BlockSize]byte
	if len(key) > sha256.BlockSize {
		sum := sha256.Sum256(key)
		copy(k[:], sum[:])
	} else {
		copy(k[:], key)
	}
	var pad [sha256.BlockSize]byte
	for i, b := range k {
		pad[i] = b ^ ipad
	}
	h := sha256.New()
	h.Write(pad[:])
	h.Write(prefix)
	h.Write(body)
	var inner [sha256.Size]byte
	h.Sum(inner[:0])

	for i, b := range k {
		pad[i] = b ^ opad
	}
	h.Reset()
	h.Write(pad[:])
	h.Write(inner[:])
	return h.Sum(dst)
}
