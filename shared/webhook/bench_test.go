package webhook

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"
)

var (
	sinkBool  bool
	sinkBytes []byte
	sinkStr   string
)

func BenchmarkMatch(b *testing.B) {
	for _, c := range []struct{ name, pattern, typ string }{
		{"exact", "registration.created", "registration.created"},
		{"prefix", "registration.*", "registration.payment.failed"},
		{"star", "*", "booking.cancelled"},
		{"miss", "booking.*", "registration.created"},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkBool = Match(c.pattern, c.typ)
			}
		})
	}
}

// BenchmarkSubscribers is fan-out's matching step: which of a tenant's
// 10,000 webhooks (three patterns each) want an event.
func BenchmarkSubscribers(b *testing.B) {
	hooks := make([]Webhook, 10000)
	for i := range hooks {
		hooks[i] = Webhook{Enabled: true, EventTypes: []string{"booking.created", "booking.cancelled", "program" + strconv.Itoa(i%50) + ".*"}}
	}
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for i := range hooks {
			if hooks[i].Subscribes("program7.updated") {
				n++
			}
		}
		if n != 200 {
			b.Fatal(n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(hooks)), "ns/webhook")
}

// BenchmarkPayload encodes the request body of a delivery (a 500-byte event).
func BenchmarkPayload(b *testing.B) {
	e := Event{ID: "evt_01jc4w9s2kx8a6v3q0m5t7r9yb", Type: "registration.created", Timestamp: time.Date(2026, 11, 22, 7, 30, 0, 0, time.UTC),
		Data: json.RawMessage(`{"registration_id":"reg_01JC4W9S2K","program":{"id":"prg_204","name":"Silent retreat","start":"2026-12-04","end":"2026-12-07"},"guest":{"name":"Zoë Martin","email":"zoe@example.com","phone":"+33 6 12 34 56 78"},"room":"Cedar 2","nights":3,"total":"420.00","currency":"EUR","paid":true,"notes":"vegetarian; arrives by the 16:40 train","created_at":"2026-11-22T07:30:00Z"}`)}
	b.ReportAllocs()
	for b.Loop() {
		sinkBytes = e.Payload()
	}
	b.SetBytes(int64(len(sinkBytes)))
}

func BenchmarkDeliveryID(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		sinkStr = DeliveryID("sunrise-yoga", "evt_01jc4w9s2kx8a6v3q0m5t7r9yb", "wh_01jc4w9s2kx8a6v3q0m5t7r9yc")
	}
}
