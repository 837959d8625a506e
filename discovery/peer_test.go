package discovery

import (
	"net/netip"
	"slices"
	"testing"
)

func TestPeerAddresses(t *testing.T) {
	p := Peer{Port: 7000, Addrs: []netip.Addr{
		netip.MustParseAddr("fe80::1%eth0"),
		netip.MustParseAddr("2001:db8::1"),
		netip.MustParseAddr("192.168.1.2"),
		netip.MustParseAddr("10.0.0.1"),
	}}
	want := []string{"10.0.0.1:7000", "192.168.1.2:7000", "[2001:db8::1]:7000", "[fe80::1%eth0]:7000"}
	if got := p.Addresses(); !slices.Equal(got, want) {
		t.Errorf("Addresses() = %v, want %v", got, want)
	}
	if got := (Peer{}).Addresses(); len(got) != 0 {
		t.Errorf("no addresses: %v", got)
	}
}
