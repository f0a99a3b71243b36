package sender

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
)

// newTestSender returns a Sender that cannot reach anything but loopback,
// whatever its guard says: names resolve only through a DNS server on
// loopback that knows the given records (and /etc/hosts), and a tripwire
// after the guard refuses, and reports, any connection to a non-loopback
// address. A guard bug therefore fails the test instead of sending a packet
// to a private network.
func newTestSender(t testing.TB, opts Options, records map[string][]netip.Addr) *Sender {
	t.Helper()
	s := New(opts)
	dnsAddr := startDNS(t, records)
	s.dialer.Resolver = &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "udp", dnsAddr)
		},
	}
	guardControl := s.dialer.Control
	s.dialer.Control = func(network, address string, c syscall.RawConn) error {
		if err := guardControl(network, address, c); err != nil {
			return err
		}
		ap, err := netip.ParseAddrPort(address)
		if err != nil || !ap.Addr().Unmap().IsLoopback() {
			t.Errorf("tripwire: the guard let a connection to %s through; refused", address)
			return errTripwire
		}
		return nil
	}
	t.Cleanup(s.Close)
	return s
}

var errTripwire = errors.New("tripwire: non-loopback address")

// receiver is an HTTP test server on loopback that counts requests and new
// connections.
type receiver struct {
	*httptest.Server
	requests atomic.Int64
	conns    atomic.Int64
}

// startReceiver starts a receiver serving h (200 "ok" when nil), over TLS
// when tlsServer is set.
func startReceiver(t testing.TB, h http.HandlerFunc, tlsServer bool) *receiver {
	t.Helper()
	if h == nil {
		h = func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }
	}
	rcv := &receiver{}
	rcv.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rcv.requests.Add(1)
		h(w, r)
	}))
	rcv.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			rcv.conns.Add(1)
		}
	}
	// Handshakes that the sender refuses are expected; keep them quiet.
	rcv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if tlsServer {
		rcv.EnableHTTP2 = true
		rcv.StartTLS()
	} else {
		rcv.Start()
	}
	t.Cleanup(rcv.Close)
	return rcv
}

// port is the receiver's port.
func (r *receiver) port() string {
	return r.URL[strings.LastIndexByte(r.URL, ':')+1:]
}

// startDNS serves A and AAAA records on a UDP socket on loopback and returns
// its address. Names are absolute and lower case ("rebind.test."); unknown
// names get NXDOMAIN.
func startDNS(t testing.TB, records map[string][]netip.Addr) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("fake DNS: %v", err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if resp := dnsAnswer(buf[:n], records); resp != nil {
				_, _ = pc.WriteTo(resp, from)
			}
		}
	})
	t.Cleanup(func() {
		pc.Close()
		wg.Wait()
	})
	return pc.LocalAddr().String()
}

// dnsAnswer builds the response to one DNS query (RFC 1035 §4.1), or nil
// when the query cannot be read.
func dnsAnswer(q []byte, records map[string][]netip.Addr) []byte {
	const (
		typeA    = 1
		typeAAAA = 28
	)
	if len(q) < 12 {
		return nil
	}
	var name strings.Builder
	i := 12
	for i < len(q) && q[i] != 0 {
		l := int(q[i])
		if l&0xc0 != 0 || i+1+l > len(q) {
			return nil
		}
		name.Write(q[i+1 : i+1+l])
		name.WriteByte('.')
		i += 1 + l
	}
	end := i + 5 // the root label, QTYPE, QCLASS
	if end > len(q) {
		return nil
	}
	qtype := binary.BigEndian.Uint16(q[i+1:])
	addrs, known := records[strings.ToLower(name.String())]
	var answers []netip.Addr
	for _, a := range addrs {
		if (qtype == typeA && a.Is4()) || (qtype == typeAAAA && a.Is6()) {
			answers = append(answers, a)
		}
	}
	flags := uint16(0x8180) // response, recursion desired and available
	if !known {
		flags |= 3 // NXDOMAIN
	}
	resp := binary.BigEndian.AppendUint16(nil, binary.BigEndian.Uint16(q))
	resp = binary.BigEndian.AppendUint16(resp, flags)
	resp = binary.BigEndian.AppendUint16(resp, 1)
	resp = binary.BigEndian.AppendUint16(resp, uint16(len(answers)))
	resp = append(resp, 0, 0, 0, 0)
	resp = append(resp, q[12:end]...)
	for _, a := range answers {
		resp = append(resp, 0xc0, 12) // the question's name
		resp = binary.BigEndian.AppendUint16(resp, qtype)
		resp = binary.BigEndian.AppendUint16(resp, 1) // IN
		resp = binary.BigEndian.AppendUint32(resp, 60)
		raw := a.AsSlice()
		resp = binary.BigEndian.AppendUint16(resp, uint16(len(raw)))
		resp = append(resp, raw...)
	}
	return resp
}
