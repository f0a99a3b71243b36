package webhook

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"time"
)

// idEncoding is lower-case Crockford base32: sortable, no padding, no
// look-alike letters.
var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// NewID returns prefix_ followed by 26 characters: 48 bits of milliseconds
// since the epoch and 80 random bits, so ids sort by creation time.
func NewID(prefix string) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(time.Now().UnixMilli())<<16)
	_, _ = rand.Read(b[6:])
	return prefix + "_" + idEncoding.EncodeToString(b[:])
}

// DeliveryID is the id of the delivery of one event to one webhook. It is
// derived from the three ids, so processing the same event twice names the
// same delivery and cannot create a second one.
func DeliveryID(tenantID, eventID, webhookID string) string {
	h := sha256.Sum256([]byte(tenantID + "\x00" + eventID + "\x00" + webhookID))
	return "msg_" + idEncoding.EncodeToString(h[:16])
}

// NewSecret returns a new signing secret: "whsec_" and the base64 of 32
// random bytes.
func NewSecret() string {
	var b [secretBytes]byte
	_, _ = rand.Read(b[:])
	return SecretPrefix + base64.StdEncoding.EncodeToString(b[:])
}

// NewKey returns a new API key ("hr_" and 43 URL-safe characters) and the
// hash under which it is stored.
func NewKey() (plaintext, hash string) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	plaintext = "hr_" + base64.RawURLEncoding.EncodeToString(b[:])
	return plaintext, HashKey(plaintext)
}

// HashKey is the stored form of an API key: hex SHA-256.
func HashKey(plaintext string) string {
	h := sha256.Sum256([]byte(plaintext))
	return hex.EncodeToString(h[:])
}
