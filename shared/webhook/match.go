package webhook

import "strings"

// Match reports whether an event type matches one subscription pattern: the
// exact type, "*" for every type, or a prefix such as "registration.*", which
// matches "registration.created" and "registration.payment.failed" but not
// "registration" itself.
func Match(pattern, eventType string) bool {
	switch {
	case pattern == "*":
		return true
	case strings.HasSuffix(pattern, ".*"):
		prefix := pattern[:len(pattern)-1] // keep the dot
		return strings.HasPrefix(eventType, prefix) && len(eventType) > len(prefix)
	default:
		return pattern == eventType
	}
}
