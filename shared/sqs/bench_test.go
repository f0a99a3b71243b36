package sqs

import (
	"testing"

	"github.com/hookrelay/hookrelay/shared/webhook"
)

var benchMsg = webhook.Message{DeliveryID: "msg_5d1q8k2v0m7x3c9b4n6h1j8f2a", TenantID: "sunrise-yoga", EventID: "evt_01jc4w9s2kx8a6v3q0m5t7r9yb", WebhookID: "wh_01jc4w9s2kx8a6v3q0m5t7r9yc"}

func BenchmarkEncode(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = Encode(benchMsg)
	}
}

func BenchmarkDecode(b *testing.B) {
	body := Encode(benchMsg)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(body); err != nil {
			b.Fatal(err)
		}
	}
}
