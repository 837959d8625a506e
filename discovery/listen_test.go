package discovery

import (
	"context"
	"encoding/hex"
	"net"
	"net/netip"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestLinkAccepts(t *testing.T) {
	l := link{
		ifaces:  []net.Interface{{Index: 3, Name: "eth0"}, {Index: 5, Name: "wlan0"}},
		nets:    []ifaceNet{{iface: "eth0", prefix: netip.MustParsePrefix("10.0.0.1/24")}, {iface: "wlan0", prefix: netip.MustParsePrefix("fe80::1/64")}},
		v6Zones: []string{"wlan0"},
	}
	udp := func(s string) net.Addr {
		ap := netip.MustParseAddrPort(s)
		return &net.UDPAddr{IP: ap.Addr().AsSlice(), Zone: ap.Addr().Zone(), Port: int(ap.Port())}
	}
	cases := []struct {
		name    string
		ifIndex int
		src     net.Addr
		want    bool
	}{
		{"configured interface", 3, udp("192.168.9.9:5353"), true},
		{"other interface", 4, udp("10.0.0.2:5353"), false},
		{"unknown interface, source on the link", 0, udp("10.0.0.2:5353"), true},
		{"unknown interface, source elsewhere", 0, udp("10.0.1.2:5353"), false},
		{"unknown interface, link-local of a configured zone", 0, udp("[fe80::2%wlan0]:5353"), true},
		{"unknown interface, link-local of another zone", 0, udp("[fe80::2%eth1]:5353"), false},
		{"unknown interface, no address", 0, nil, false},
	}
	for _, c := range cases {
		if got := l.accepts(c.ifIndex, c.src); got != c.want {
			t.Errorf("%s: accepts = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestListenerOnlyConfiguredInterfaces sends goodbyes into two interfaces
// of the test's namespace, grva (configured) and grvb (not configured, but
// another socket joined the mDNS group there, as Avahi would, so the
// kernel hands its group traffic to every socket on port 5353). Only the
// one that came in on grva is delivered.
//
//	grvpa 10.89.1.1 ---- grva 10.89.1.2   <- listener (Interfaces: grva)
//	grvpb 10.89.2.1 ---- grvb 10.89.2.2   <- another socket joined here
func TestListenerOnlyConfiguredInterfaces(t *testing.T) {
	lab := newLab(t)
	snd := lab.Namespace("snd")
	for _, v := range [][3]string{{"grva", "grvpa", "10.89.1"}, {"grvb", "grvpb", "10.89.2"}} {
		lab.IP("link", "add", v[0], "type", "veth", "peer", "name", v[1], "netns", snd)
		t.Cleanup(func() { _ = exec.Command("ip", "link", "del", v[0]).Run() })
		lab.IP("addr", "add", v[2]+".2/24", "dev", v[0])
		lab.IP("-n", snd, "addr", "add", v[2]+".1/24", "dev", v[1])
		lab.IP("link", "set", v[0], "up")
		lab.IP("-n", snd, "link", "set", v[1], "up")
	}
	grvb, err := net.InterfaceByName("grvb")
	if err != nil {
		t.Fatal(err)
	}
	other, err := net.ListenMulticastUDP("udp4", grvb, mdnsGroup4)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	l, err := resolveLink([]string{"grva"})
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan goodbye, 16)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ls, err := startListener(ctx, l, func(g goodbye) { got <- g }, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	defer ls.stop()

	dev := newDevice(t)
	txt := txtRecord{Version: 1, Device: dev, Instance: "0000000000000001"}.strings()
	var packets []string
	for _, via := range []string{"grvpb", "grvpa"} {
		packets = append(packets, via+"="+hex.EncodeToString(announcement(t, "via-"+via, hostName(dev.String()), txt, 0)))
	}
	sender := startChild(t, "sender", snd, "send", "GROVE_T_PACKETS="+strings.Join(packets, ","))
	sender.expect(t, 10*time.Second, "SENT")
	select {
	case g := <-got:
		if g.label != "via-grvpa" {
			t.Fatalf("first goodbye delivered: %+v, want the one that came in on grva", g)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the goodbye sent into grva was not delivered")
	}
	// The other socket did get the packet on grvb: the kernel offered it.
	buf := make([]byte, maxPacket)
	_ = other.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _, err := other.ReadFromUDP(buf)
	if err != nil || len(parseGoodbyes(buf[:n])) != 1 {
		t.Errorf("the socket joined on grvb did not receive the goodbye sent there: %v", err)
	}

	ls.stop()
	ls.stop() // twice is fine
	if ls.alive() {
		t.Error("listener alive after stop")
	}
}
