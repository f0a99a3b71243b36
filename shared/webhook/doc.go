// Package webhook is hookrelay's domain: tenants, keys, webhooks, events,
// deliveries and their attempts; the rules that decide which webhook receives
// which event, how fields are validated and when an attempt is retried; and the
// Store and Queue interfaces that the infrastructure packages implement.
//
// It imports nothing from AWS, so the rules can be read and tested on their own.
package webhook
