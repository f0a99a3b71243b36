package webhook

import (
	"encoding/base64"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
)

var (
	tenantIDPattern  = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)
	eventIDPattern   = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)
	eventTypePattern = regexp.MustCompile(`^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$`)
	headerNameChars  = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
	numericLabel     = regexp.MustCompile(`^(?i:0x[0-9a-f]*|[0-9]+)$`)
)

// Limits of the webhook fields.
const (
	MaxURLLength      = 2048
	MaxEventTypeLen   = 128
	MaxEventTypes     = 64
	MaxHeaders        = 20
	MaxHeaderValue    = 4096
	MaxDescription    = 1024
	MaxTenantName     = 256
	MinTimeoutMS      = 1000
	MaxTimeoutMS      = 30000
	DefaultTimeoutMS  = 5000
	SecretPrefix      = "whsec_"
	secretBytes       = 32
	reservedHeaderPfx = "webhook-"
)

var reservedHeaders = map[string]bool{"host": true, "content-type": true, "content-length": true, "user-agent": true}

// ValidateTenantID checks a tenant id: [a-z0-9][a-z0-9_-]{0,63}.
func ValidateTenantID(id string) error {
	if !tenantIDPattern.MatchString(id) {
		return Invalid("id", "must match [a-z0-9][a-z0-9_-]{0,63}")
	}
	return nil
}

// ValidateEventID checks a caller-supplied event id: [A-Za-z0-9._:-]{1,128}.
func ValidateEventID(id string) error {
	if !eventIDPattern.MatchString(id) {
		return Invalid("id", "must match [A-Za-z0-9._:-]{1,128}")
	}
	return nil
}

// ValidateEventType checks an event type such as "registration.created".
func ValidateEventType(field, t string) error {
	if len(t) > MaxEventTypeLen || !eventTypePattern.MatchString(t) {
		return Invalid(field, "must be dot-separated words of [A-Za-z0-9_-], at most %d characters", MaxEventTypeLen)
	}
	return nil
}

// ValidatePattern checks one subscription: an event type, "*" or "prefix.*".
func ValidatePattern(field, p string) error {
	if p == "*" {
		return nil
	}
	if prefix, ok := strings.CutSuffix(p, ".*"); ok {
		if err := ValidateEventType(field, prefix); err != nil {
			return Invalid(field, "%q is not an event type, \"*\" or a prefix such as \"registration.*\"", p)
		}
		return nil
	}
	if err := ValidateEventType(field, p); err != nil {
		return Invalid(field, "%q is not an event type, \"*\" or a prefix such as \"registration.*\"", p)
	}
	return nil
}

// ValidateURL checks an endpoint URL. When private targets are not allowed
// only https is accepted and a literal non-public address is refused; a host
// spelled as a number in any form but dotted-decimal IPv4 is always refused.
func ValidateURL(raw string, allowPrivate bool) error {
	const field = "url"
	if raw == "" {
		return Invalid(field, "is required")
	}
	if len(raw) > MaxURLLength {
		return Invalid(field, "must be at most %d characters", MaxURLLength)
	}
	if strings.ContainsAny(raw, " \t\r\n\x00") {
		return Invalid(field, "must not contain white space or control characters")
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return Invalid(field, "must be an absolute http or https URL")
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !allowPrivate {
			return Invalid(field, "must use https")
		}
	default:
		return Invalid(field, "must be an absolute http or https URL")
	}
	host := u.Hostname()
	if host == "" {
		return Invalid(field, "must name a host")
	}
	if p := u.Port(); p != "" && (len(p) > 5 || p == "0" || atoiOrZero(p) > 65535) {
		return Invalid(field, "has an invalid port")
	}
	if numericHost(host) {
		if _, err := netip.ParseAddr(host); err != nil || strings.Count(host, ".") != 3 {
			return Invalid(field, "host %q is a number; write an IPv4 address in dotted-decimal form", host)
		}
	}
	if addr, err := netip.ParseAddr(host); err == nil && !allowPrivate && !PublicAddress(addr) {
		return Invalid(field, "host %s is not a public address", addr)
	}
	return nil
}

func atoiOrZero(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 1 << 30
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// numericHost reports whether every label of host is a number (decimal,
// octal with a leading zero, or hexadecimal), the spellings that some resolvers
// read as an IPv4 address.
func numericHost(host string) bool {
	host = strings.TrimSuffix(host, ".")
	if host == "" || strings.Contains(host, ":") {
		return false
	}
	for _, label := range strings.Split(host, ".") {
		if !numericLabel.MatchString(label) {
			return false
		}
	}
	return true
}

// RedactURL hides the password of a URL's user info: user:pass@ becomes
// user:****@. Other URLs are returned unchanged.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, has := u.User.Password(); !has {
		return raw
	}
	u.User = url.UserPassword(u.User.Username(), "****")
	return strings.Replace(u.String(), "%2A%2A%2A%2A@", "****@", 1)
}

// ValidateHeaders checks a webhook's extra request headers.
func ValidateHeaders(h map[string]string) error {
	const field = "headers"
	if len(h) > MaxHeaders {
		return Invalid(field, "at most %d headers", MaxHeaders)
	}
	for name, value := range h {
		lower := strings.ToLower(name)
		switch {
		case !headerNameChars.MatchString(name):
			return Invalid(field, "%q is not a valid header name", name)
		case reservedHeaders[lower] || strings.HasPrefix(lower, reservedHeaderPfx):
			return Invalid(field, "%q is set by hookrelay and cannot be overridden", name)
		case strings.ContainsAny(value, "\r\n\x00"):
			return Invalid(field, "the value of %q must not contain CR, LF or NUL", name)
		case len(value) > MaxHeaderValue:
			return Invalid(field, "the value of %q is longer than %d bytes", name, MaxHeaderValue)
		}
	}
	return nil
}

// ValidateSecret checks a caller-supplied signing secret: "whsec_" followed by
// the standard base64 encoding of 32 bytes.
func ValidateSecret(s string) error {
	b64, ok := strings.CutPrefix(s, SecretPrefix)
	if !ok {
		return Invalid("secret", "must start with %q", SecretPrefix)
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(key) != secretBytes {
		return Invalid("secret", "must be %q followed by the base64 of %d bytes", SecretPrefix, secretBytes)
	}
	return nil
}

// ValidateTimeout checks timeout_ms.
func ValidateTimeout(ms int) error {
	if ms < MinTimeoutMS || ms > MaxTimeoutMS {
		return Invalid("timeout_ms", "must be between %d and %d", MinTimeoutMS, MaxTimeoutMS)
	}
	return nil
}
