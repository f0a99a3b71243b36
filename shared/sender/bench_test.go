package sender

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// benchBody is a typical event payload.
var benchBody = []byte(`{"id":"evt_2Kq8","type":"registration.created","timestamp":"2026-11-22T07:30:00Z","data":{"program":"Silent retreat","guest":"Zoë","nights":3,"total":"420.00"}}` + strings.Repeat(" ", 800))

// BenchmarkSend measures one attempt against a keep-alive receiver on
// loopback; compare with BenchmarkRawClient, a bare http.Client POST loop.
func BenchmarkSend(b *testing.B) {
	rcv := startReceiver(b, nil, false)
	s := newTestSender(b, Options{AllowPrivate: true}, nil)
	req := Request{
		URL:  rcv.URL + "/hook",
		Body: benchBody,
		Headers: http.Header{
			"Webhook-Id":        {"msg_2Kq8"},
			"Webhook-Timestamp": {"1795000000"},
			"Webhook-Signature": {"v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="},
		},
		Timeout: 5 * time.Second,
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if res := s.Send(ctx, req); !res.OK() {
			b.Fatalf("%+v", res)
		}
	}
	if n := rcv.conns.Load(); n != 1 {
		b.Errorf("%d connections", n)
	}
}

// BenchmarkRawClient is the floor: http.Client with a default transport,
// posting the same body and headers and reading the response.
func BenchmarkRawClient(b *testing.B) {
	rcv := startReceiver(b, nil, false)
	client := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	b.Cleanup(client.CloseIdleConnections)
	b.ReportAllocs()
	for b.Loop() {
		req, err := http.NewRequest(http.MethodPost, rcv.URL+"/hook", bytes.NewReader(benchBody))
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Webhook-Id", "msg_2Kq8")
		req.Header.Set("Webhook-Timestamp", "1795000000")
		req.Header.Set("Webhook-Signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if n := rcv.conns.Load(); n != 1 {
		b.Errorf("%d connections", n)
	}
}
