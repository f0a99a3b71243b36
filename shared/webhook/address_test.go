package webhook

import (
	"net/netip"
	"testing"
)

func TestPublicAddress(t *testing.T) {
	tests := []struct {
		addr   string
		public bool
	}{
		// Public unicast, including the addresses just outside each
		// refused range.
		{"8.8.8.8", true},
		{"1.1.1.1", true},
		{"1.0.0.0", true},
		{"9.255.255.255", true},
		{"11.0.0.0", true},
		{"100.63.255.255", true},
		{"100.128.0.0", true},
		{"126.255.255.255", true},
		{"128.0.0.0", true},
		{"169.253.255.255", true},
		{"169.255.0.0", true},
		{"172.15.255.255", true},
		{"172.32.0.0", true},
		{"192.0.1.0", true},
		{"192.167.255.255", true},
		{"192.169.0.0", true},
		{"198.17.255.255", true},
		{"198.20.0.0", true},
		{"223.255.255.255", true},
		{"2606:4700:4700::1111", true},
		{"2a00:1450:4001:80b::200e", true},
		{"2001:4860:4860::8888", true},

		// "This" network, loopback, private, CGNAT, link-local.
		{"0.0.0.0", false},
		{"0.255.255.255", false},
		{"127.0.0.1", false},
		{"127.255.255.254", false},
		{"10.0.0.0", false},
		{"10.255.255.255", false},
		{"172.16.0.0", false},
		{"172.31.255.255", false},
		{"192.168.0.1", false},
		{"192.168.255.255", false},
		{"100.64.0.0", false},
		{"100.127.255.255", false},
		{"169.254.169.254", false},
		{"169.254.0.1", false},
		// Protocol assignments, documentation, benchmarking.
		{"192.0.0.8", false},
		{"192.0.2.1", false},
		{"198.18.0.1", false},
		{"198.19.255.255", false},
		{"198.51.100.7", false},
		{"203.0.113.9", false},
		// Multicast, reserved, broadcast.
		{"224.0.0.1", false},
		{"239.255.255.250", false},
		{"240.0.0.1", false},
		{"255.255.255.255", false},

		// IPv6 unspecified and loopback.
		{"::", false},
		{"::1", false},
		// IPv4 inside IPv6: mapped, translated, compatible, NAT64, 6to4 —
		// refused whatever IPv4 address they carry, public ones included.
		{"::ffff:127.0.0.1", false},
		{"::ffff:7f00:1", false},
		{"::ffff:169.254.169.254", false},
		{"::ffff:8.8.8.8", false},
		{"::ffff:0:127.0.0.1", false},
		{"::ffff:0:8.8.8.8", false},
		{"::127.0.0.1", false},
		{"::10.0.0.1", false},
		{"64:ff9b::127.0.0.1", false},
		{"64:ff9b:1::a00:1", false},
		{"2002:7f00:1::1", false},
		{"2002:a9fe:a9fe::", false},
		// Discard, documentation, unique-local, link-local, site-local,
		// multicast.
		{"100::1", false},
		{"2001:db8::1", false},
		{"3fff::1", false},
		{"fc00::1", false},
		{"fd12:3456:789a::1", false},
		{"fe80::1", false},
		{"febf:ffff::1", false},
		{"fec0::1", false},
		{"ff02::1", false},
		{"ff05::1:3", false},
		// A zone makes any address local to one interface.
		{"fe80::1%eth0", false},
		{"2606:4700:4700::1111%eth0", false},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			addr := netip.MustParseAddr(tt.addr)
			if got := PublicAddress(addr); got != tt.public {
				t.Errorf("PublicAddress(%s) = %v, want %v", addr, got, tt.public)
			}
		})
	}
}

func TestPublicAddressInvalid(t *testing.T) {
	if PublicAddress(netip.Addr{}) {
		t.Error("the zero Addr is public")
	}
}
