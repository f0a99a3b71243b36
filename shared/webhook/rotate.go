package webhook

import "time"

// RotationOverlap is how long the previous secret keeps signing after a
// rotation, so receivers can switch at their pace.
const RotationOverlap = 24 * time.Hour

// Rotate makes secret the webhook's signing secret; the one it replaces keeps
// signing for RotationOverlap. secret must already be valid (ValidateSecret
// or NewSecret).
func (w *Webhook) Rotate(secret string, now time.Time) {
	w.PreviousSecret = w.Secret
	w.PreviousSecretExpiresAt = now.Add(RotationOverlap)
	w.Secret = secret
	w.UpdatedAt = now
	w.Version++
}
