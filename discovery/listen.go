package discovery

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	gosync "sync"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// The mDNS groups the goodbye listener joins.
var (
	mdnsGroup4 = &net.UDPAddr{IP: net.IPv4(224, 0, 0, 251), Port: 5353}
	mdnsGroup6 = &net.UDPAddr{IP: net.ParseIP("ff02::fb"), Port: 5353}
)

// maxPacket is the read buffer: a UDP datagram is at most 65535 bytes
// (mDNS messages are at most 9000, RFC 6762 §17).
const maxPacket = 65535

// listener is the passive goodbye listener: one UDP socket per address
// family on port 5353, joined to the mDNS group on exactly the interfaces of
// one link (IPv4 where the interface has an IPv4 address, IPv6 where it has
// IPv6 multicast). It never sends.
//
// The sockets are bound like the library's (wildcard address, shared port),
// so the kernel also hands them multicast of groups that other sockets
// joined on other interfaces, and now and then a unicast datagram for port
// 5353. Packets from other interfaces are dropped (link.accepts); unicast
// carries no goodbye.
type listener struct {
	key   string // link.groupKey() of the joined interfaces
	conns []*groupConn
	stopC func() bool // stops the context.AfterFunc that closes the sockets
	wg    gosync.WaitGroup
	done  chan struct{} // closed when every reader has returned
}

// groupConn is one joined socket, of either family.
type groupConn struct {
	family string
	// read reads one datagram and the index of the interface it came in on
	// (0 when the platform does not say).
	read  func(b []byte) (n, ifIndex int, src net.Addr, err error)
	close func() error
}

// startListener joins the mDNS groups on the interfaces of l (never an
// empty list) and, until ctx ends or stop is called, calls deliver for
// every goodbye that arrives on one of them. deliver runs on the
// listener's goroutines and must not block. A family that cannot be joined
// next to one that can is reported through logf; startListener fails when
// none can.
func startListener(ctx context.Context, l link, deliver func(goodbye), logf func(string, ...any)) (*listener, error) {
	if len(l.ifaces) == 0 {
		return nil, fmt.Errorf("listen for goodbyes: %w", ErrNoInterfaces)
	}
	ls := &listener{key: l.groupKey(), done: make(chan struct{})}
	var problems []error
	if v4 := l.v4Ifaces(); len(v4) > 0 {
		if c, err := listen4(v4); err != nil {
			problems = append(problems, err)
		} else {
			ls.conns = append(ls.conns, c)
		}
	}
	if v6 := l.v6Ifaces(); len(v6) > 0 {
		if c, err := listen6(v6); err != nil {
			problems = append(problems, err)
		} else {
			ls.conns = append(ls.conns, c)
		}
	}
	if len(ls.conns) == 0 {
		problems = append(problems, ErrNoInterfaces)
		return nil, fmt.Errorf("listen for goodbyes on %s: %w", ifaceList(l), errors.Join(problems...))
	}
	if len(problems) > 0 {
		logf("discovery: listen for goodbyes on %s: %v", ifaceList(l), errors.Join(problems...))
	}
	// Closing the sockets is what releases the blocked reads.
	ls.stopC = context.AfterFunc(ctx, ls.closeAll)
	for _, c := range ls.conns {
		ls.wg.Go(func() { ls.read(ctx, c, l, deliver, logf) })
	}
	go func() { ls.wg.Wait(); close(ls.done) }()
	return ls, nil
}

// read delivers the goodbyes of every packet c receives on the link's
// interfaces until the socket is closed or fails.
func (ls *listener) read(ctx context.Context, c *groupConn, l link, deliver func(goodbye), logf func(string, ...any)) {
	buf := make([]byte, maxPacket)
	for {
		n, ifIndex, src, err := c.read(buf)
		if err != nil {
			if ctx.Err() == nil && !errors.Is(err, net.ErrClosed) {
				logf("discovery: listen for goodbyes (%s): %v", c.family, err)
			}
			return
		}
		if !l.accepts(ifIndex, src) {
			continue
		}
		for _, g := range parseGoodbyes(buf[:n]) {
			deliver(g)
		}
	}
}

// closeAll closes the sockets; the readers then return. Safe to call
// more than once.
func (ls *listener) closeAll() {
	for _, c := range ls.conns {
		_ = c.close()
	}
}

// stop closes the sockets and waits for the readers. Safe on a nil
// listener and more than once.
func (ls *listener) stop() {
	if ls == nil {
		return
	}
	ls.stopC()
	ls.closeAll()
	<-ls.done
}

// alive reports whether every reader still runs.
func (ls *listener) alive() bool {
	select {
	case <-ls.done:
		return false
	default:
		return true
	}
}

// listen4 opens the IPv4 socket and joins 224.0.0.251 on ifs.
func listen4(ifs []net.Interface) (*groupConn, error) {
	uc, err := net.ListenUDP("udp4", mdnsGroup4) // binds 0.0.0.0:5353, port shared
	if err != nil {
		return nil, fmt.Errorf("udp4: %w", err)
	}
	pc := ipv4.NewPacketConn(uc)
	if err := joinAll(ifs, func(ifi *net.Interface) error { return pc.JoinGroup(ifi, mdnsGroup4) }); err != nil {
		uc.Close()
		return nil, fmt.Errorf("udp4: %w", err)
	}
	// Where control messages are not implemented (Windows) cm stays nil
	// and link.accepts checks the source address instead.
	_ = pc.SetControlMessage(ipv4.FlagInterface, true)
	return &groupConn{family: "udp4", close: uc.Close, read: func(b []byte) (int, int, net.Addr, error) {
		n, cm, src, err := pc.ReadFrom(b)
		if cm == nil {
			return n, 0, src, err
		}
		return n, cm.IfIndex, src, err
	}}, nil
}

// listen6 opens the IPv6 socket and joins ff02::fb on ifs.
func listen6(ifs []net.Interface) (*groupConn, error) {
	uc, err := net.ListenUDP("udp6", mdnsGroup6) // binds [::]:5353, port shared
	if err != nil {
		return nil, fmt.Errorf("udp6: %w", err)
	}
	pc := ipv6.NewPacketConn(uc)
	if err := joinAll(ifs, func(ifi *net.Interface) error { return pc.JoinGroup(ifi, mdnsGroup6) }); err != nil {
		uc.Close()
		return nil, fmt.Errorf("udp6: %w", err)
	}
	_ = pc.SetControlMessage(ipv6.FlagInterface, true)
	return &groupConn{family: "udp6", close: uc.Close, read: func(b []byte) (int, int, net.Addr, error) {
		n, cm, src, err := pc.ReadFrom(b)
		if cm == nil {
			return n, 0, src, err
		}
		return n, cm.IfIndex, src, err
	}}, nil
}

// joinAll joins the group on every interface of ifs; it fails only when
// no join succeeds.
func joinAll(ifs []net.Interface, join func(*net.Interface) error) error {
	var errs []error
	for i := range ifs {
		if err := join(&ifs[i]); err != nil {
			errs = append(errs, fmt.Errorf("join mDNS group on %s: %w", ifs[i].Name, err))
		}
	}
	if len(errs) == len(ifs) {
		return errors.Join(errs...)
	}
	return nil
}

// v4Ifaces returns the interfaces of l that have an IPv4 address.
func (l link) v4Ifaces() []net.Interface {
	return l.ifacesWith(func(n ifaceNet) bool { return n.prefix.Addr().Is4() })
}

// v6Ifaces returns the interfaces of l where IPv6 multicast works.
func (l link) v6Ifaces() []net.Interface {
	return l.ifacesWith(func(n ifaceNet) bool { return slices.Contains(l.v6Zones, n.iface) })
}

func (l link) ifacesWith(has func(ifaceNet) bool) []net.Interface {
	var out []net.Interface
	for _, ifi := range l.ifaces {
		if slices.ContainsFunc(l.nets, func(n ifaceNet) bool { return n.iface == ifi.Name && has(n) }) {
			out = append(out, ifi)
		}
	}
	return out
}

// groupKey identifies the group memberships of l: a change means the
// listener must join anew.
func (l link) groupKey() string {
	var b strings.Builder
	for _, ifi := range l.v4Ifaces() {
		fmt.Fprintf(&b, "4:%d:%s;", ifi.Index, ifi.Name)
	}
	for _, ifi := range l.v6Ifaces() {
		fmt.Fprintf(&b, "6:%d:%s;", ifi.Index, ifi.Name)
	}
	return b.String()
}

// accepts reports whether a packet that came in on interface ifIndex from
// src is from the link: the interface must be one of l's. When the
// platform does not name the interface (ifIndex 0), the source address
// must lie in a prefix of l's interfaces, or be IPv6 link-local with the
// zone of one of them.
func (l link) accepts(ifIndex int, src net.Addr) bool {
	if ifIndex != 0 {
		return slices.ContainsFunc(l.ifaces, func(ifi net.Interface) bool { return ifi.Index == ifIndex })
	}
	ua, ok := src.(*net.UDPAddr)
	if !ok {
		return false
	}
	a, ok := netip.AddrFromSlice(ua.IP)
	if !ok {
		return false
	}
	a = a.Unmap()
	if a.Is6() && a.IsLinkLocalUnicast() {
		return slices.Contains(l.v6Zones, ua.Zone)
	}
	return slices.ContainsFunc(l.nets, func(n ifaceNet) bool { return n.prefix.Contains(a) })
}
