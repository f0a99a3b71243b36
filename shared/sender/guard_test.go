package sender

import (
	"context"
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/hookrelay/hookrelay/shared/webhook"
)

// rebind are the names the test DNS server resolves to non-public addresses:
// what an attacker's domain would answer.
var rebind = map[string][]netip.Addr{
	"loopback.rebind.test.": {netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")},
	"metadata.rebind.test.": {netip.MustParseAddr("169.254.169.254")},
	"private.rebind.test.":  {netip.MustParseAddr("10.0.0.5")},
	"mapped.rebind.test.":   {netip.MustParseAddr("::ffff:127.0.0.1")},
	"ula.rebind.test.":      {netip.MustParseAddr("fd00:ec2::254")},
	"mixed.rebind.test.":    {netip.MustParseAddr("192.168.1.1"), netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("fe80::1")},
	"public.test.":          {netip.MustParseAddr("8.8.8.8")},
}

func TestGuardRefusesHostileTargets(t *testing.T) {
	// Every target that could reach the loopback receiver uses its port, so
	// a guard hole would show there; the others use ports nothing listens on
	// and the tripwire of newTestSender stops any connection the guard lets
	// through, so no packet leaves the machine.
	rcv := startReceiver(t, nil, false)
	p := rcv.port()
	guarded := newTestSender(t, Options{}, rebind)
	denyAll := newTestSender(t, Options{AllowPrivate: true, Deny: []netip.Prefix{
		netip.MustParsePrefix("127.0.0.0/8"),
		netip.MustParsePrefix("::1/128"),
		netip.MustParsePrefix("8.8.8.0/24"),
	}}, rebind)
	denyMapped := newTestSender(t, Options{AllowPrivate: true, Deny: []netip.Prefix{
		netip.MustParsePrefix("::ffff:127.0.0.0/104"),
		netip.MustParsePrefix("::1/128"),
	}}, rebind)

	const blocked, dns = webhook.ErrBlockedAddress, webhook.ErrDNS
	tests := []struct {
		url    string
		sender *Sender
		want   string
	}{
		// Loopback, written every way.
		{"http://127.0.0.1:" + p + "/", guarded, blocked},
		{"https://127.0.0.1:" + p + "/", guarded, blocked},
		{"http://127.0.0.2:" + p + "/", guarded, blocked},
		{"http://127.255.255.254:" + p + "/", guarded, blocked},
		{"http://127.1:" + p + "/", guarded, dns},
		{"http://127.0.1:" + p + "/", guarded, dns},
		{"http://2130706433:" + p + "/", guarded, dns},
		{"http://0x7f000001:" + p + "/", guarded, dns},
		{"http://0x7f.0x0.0x0.0x1:" + p + "/", guarded, dns},
		{"http://0177.0.0.1:" + p + "/", guarded, dns},
		{"http://017700000001:" + p + "/", guarded, dns},
		{"http://127.000.000.001:" + p + "/", guarded, dns},
		{"http://0:" + p + "/", guarded, dns},
		{"http://0.0.0.0:" + p + "/", guarded, blocked},
		{"http://[::]:" + p + "/", guarded, blocked},
		{"http://[::1]:" + p + "/", guarded, blocked},
		{"http://[0:0:0:0:0:0:0:1]:" + p + "/", guarded, blocked},
		{"http://[::ffff:127.0.0.1]:" + p + "/", guarded, blocked},
		{"http://[::ffff:7f00:1]:" + p + "/", guarded, blocked},
		{"http://[0:0:0:0:0:ffff:127.0.0.1]:" + p + "/", guarded, blocked},
		{"http://[::ffff:0:127.0.0.1]:" + p + "/", guarded, blocked},
		{"http://[::127.0.0.1]:" + p + "/", guarded, blocked},
		{"http://[64:ff9b::127.0.0.1]:" + p + "/", guarded, blocked},
		{"http://[2002:7f00:1::1]:" + p + "/", guarded, blocked},
		{"http://localhost:" + p + "/", guarded, blocked},
		{"http://LOCALHOST:" + p + "/", guarded, blocked},
		{"https://localhost:" + p + "/", guarded, blocked},
		// Names that resolve to non-public addresses (DNS rebinding).
		{"http://loopback.rebind.test:" + p + "/", guarded, blocked},
		{"http://mapped.rebind.test:" + p + "/", guarded, blocked},
		{"http://metadata.rebind.test/latest/meta-data/", guarded, blocked},
		{"http://private.rebind.test/", guarded, blocked},
		{"http://ula.rebind.test/", guarded, blocked},
		{"http://mixed.rebind.test:" + p + "/", guarded, blocked},
		// Cloud metadata, link-local, private, CGNAT.
		{"http://169.254.169.254/latest/meta-data/iam/", guarded, blocked},
		{"http://169.254.170.2/v2/credentials", guarded, blocked},
		{"http://[fd00:ec2::254]/latest/meta-data/", guarded, blocked},
		{"http://[::ffff:169.254.169.254]/", guarded, blocked},
		{"http://[::ffff:a9fe:a9fe]/", guarded, blocked},
		{"http://10.0.0.1/", guarded, blocked},
		{"http://10.255.255.255:8080/", guarded, blocked},
		{"http://172.16.0.1/", guarded, blocked},
		{"http://172.31.255.254/", guarded, blocked},
		{"http://192.168.0.1/", guarded, blocked},
		{"http://192.168.255.254:8443/", guarded, blocked},
		{"https://100.64.0.1/", guarded, blocked},
		{"http://100.127.255.254/", guarded, blocked},
		{"http://[::ffff:10.0.0.1]/", guarded, blocked},
		// Multicast, broadcast, reserved, documentation.
		{"http://224.0.0.1/", guarded, blocked},
		{"http://239.255.255.250:1900/", guarded, blocked},
		{"http://255.255.255.255/", guarded, blocked},
		{"http://240.0.0.1/", guarded, blocked},
		{"http://192.0.2.1/", guarded, blocked},
		// IPv6 link-local, unique-local, multicast, site-local.
		{"http://[fe80::1]/", guarded, blocked},
		{"http://[fe80::1%25lo]:" + p + "/", guarded, blocked},
		{"http://[fc00::1]/", guarded, blocked},
		{"http://[fd12:3456::1]/", guarded, blocked},
		{"http://[ff02::1]/", guarded, blocked},
		{"http://[fec0::1]/", guarded, blocked},
		// The deny list holds even where private targets are allowed, and
		// for public addresses.
		{"http://127.0.0.1:" + p + "/", denyAll, blocked},
		{"http://localhost:" + p + "/", denyAll, blocked},
		{"http://[::1]:" + p + "/", denyAll, blocked},
		{"http://[::ffff:127.0.0.1]:" + p + "/", denyAll, blocked},
		{"http://loopback.rebind.test:" + p + "/", denyAll, blocked},
		{"http://8.8.8.8/", denyAll, blocked},
		{"http://public.test/", denyAll, blocked},
		{"http://127.0.0.1:" + p + "/", denyMapped, blocked},
		{"http://[::ffff:127.0.0.1]:" + p + "/", denyMapped, blocked},
	}
	if len(tests) < 30 {
		t.Fatalf("only %d hostile targets", len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			got := tt.sender.Send(context.Background(), Request{
				URL:     tt.url,
				Body:    []byte(`{}`),
				Headers: http.Header{},
				// Short: a refused attempt never waits for a network.
				Timeout: 500 * time.Millisecond,
			})
			if got.Err != tt.want {
				t.Errorf("got %+v, want error %q", got, tt.want)
			}
			if got.StatusCode != 0 {
				t.Errorf("got a status %d", got.StatusCode)
			}
		})
	}
	if n, c := rcv.requests.Load(), rcv.conns.Load(); n != 0 || c != 0 {
		t.Errorf("the loopback receiver saw %d requests on %d connections, want none", n, c)
	}
}

func TestGuardAllowsPrivateWhenAsked(t *testing.T) {
	rcv := startReceiver(t, nil, false)
	s := newTestSender(t, Options{AllowPrivate: true, Deny: []netip.Prefix{netip.MustParsePrefix("169.254.0.0/16")}}, rebind)
	for _, u := range []string{
		rcv.URL + "/",
		"http://localhost:" + rcv.port() + "/",
		"http://loopback.rebind.test:" + rcv.port() + "/",
	} {
		if got := s.Send(context.Background(), Request{URL: u, Timeout: 2 * time.Second}); !got.OK() {
			t.Errorf("%s: %+v", u, got)
		}
	}
	if n := rcv.requests.Load(); n != 3 {
		t.Errorf("the receiver saw %d requests, want 3", n)
	}
}

func TestGuardAllowed(t *testing.T) {
	// The decision itself, for addresses no test may connect to.
	g := newGuard(false, []netip.Prefix{netip.MustParsePrefix("203.0.0.0/8"), netip.MustParsePrefix("::ffff:9.9.9.0/120")})
	open := newGuard(true, []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")})
	tests := []struct {
		g    guard
		addr string
		want bool
	}{
		{g, "8.8.8.8", true},
		{g, "2606:4700:4700::1111", true},
		{g, "203.1.2.3", false},
		{g, "9.9.9.9", false},
		{g, "9.9.8.9", true},
		{g, "10.0.0.1", false},
		{g, "::ffff:8.8.8.8", false},
		{open, "10.0.0.1", true},
		{open, "127.0.0.1", true},
		{open, "10.1.2.3", false},
		{open, "::ffff:10.1.2.3", false},
		{open, "fe80::1%eth0", true},
	}
	for _, tt := range tests {
		if got := tt.g.allowed(netip.MustParseAddr(tt.addr)); got != tt.want {
			t.Errorf("allowed(%s) with %+v = %v, want %v", tt.addr, tt.g, got, tt.want)
		}
	}
}

func TestGuardControl(t *testing.T) {
	g := newGuard(false, nil)
	tests := []struct {
		network, address string
		ok               bool
	}{
		{"tcp4", "8.8.8.8:443", true},
		{"tcp6", "[2606:4700:4700::1111]:443", true},
		{"tcp4", "127.0.0.1:80", false},
		{"tcp6", "[::ffff:127.0.0.1]:80", false},
		{"tcp6", "[fe80::1%eth0]:80", false},
		{"tcp", "not an address", false},
	}
	for _, tt := range tests {
		err := g.control(tt.network, tt.address, nil)
		if (err == nil) != tt.ok {
			t.Errorf("control(%s, %s) = %v, want ok %v", tt.network, tt.address, err, tt.ok)
		}
		if err != nil && classify(err) != webhook.ErrBlockedAddress {
			t.Errorf("control(%s, %s) error classifies as %q", tt.network, tt.address, classify(err))
		}
	}
}
