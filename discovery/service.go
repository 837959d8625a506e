package discovery

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/grandcat/zeroconf"
	"github.com/grove-team/grove/replica/identity"
)

// errOwn marks an announcement of our own device.
var errOwn = errors.New("own announcement")

// Service advertises this device and keeps the table of Grove peers on the
// configured interfaces. Create it with New, start it with Run. Peers,
// Lookup, MarkGone and Subscribe are safe for concurrent use at any time,
// before, during and after Run.
type Service struct {
	cfg      Config
	instance string // our per-process instance ID
	label    string // our escaped instance label
	host     string // our mDNS host name
	table    *peerTable
	leaving  chan struct{} // nudges Run's loop: a goodbye made a peer leave
	ran      atomic.Bool

	// browses holds the start times of the last ExpiryPeriods browse
	// periods, oldest first; used by Run's loop only (cycle).
	browses []time.Time
}

// New validates cfg and returns a Service that is not running yet. It
// touches no network. Every call draws a new instance ID, so a new Service
// for the same device looks like a restart to peers.
func New(cfg Config) (*Service, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("new discovery service: %w", err)
	}
	var inst [instanceIDLen / 2]byte
	_, _ = rand.Read(inst[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	return &Service{
		cfg:      cfg,
		instance: hex.EncodeToString(inst[:]),
		label:    escapeLabel(instanceLabel(cfg.Name, cfg.Device)),
		host:     hostName(cfg.Device.String()),
		table:    newPeerTable(cfg.Device),
		leaving:  make(chan struct{}, 1),
	}, nil
}

// Instance returns this process's instance ID, as advertised in TXT.
func (s *Service) Instance() string { return s.instance }

// Run advertises this device, browses for peers and listens for their
// goodbyes until ctx ends; then it stops browsing and listening, sends our
// own mDNS goodbye, empties the peer table (PeerGone with GoneStopped for
// each peer) and returns nil. When it returns, every
// goroutine it started has ended, including the library's announcement
// goroutine, which lives up to 4 s after a registration: Run returns no
// earlier than that (see the package doc).
//
// Network trouble (an interface missing, down or without addresses) is
// logged through Config.Logf and retried every period; it does not end Run.
// Run may be called only once per Service; later calls return ErrAlreadyRun.
func (s *Service) Run(ctx context.Context) error {
	if !s.ran.CompareAndSwap(false, true) {
		return ErrAlreadyRun
	}
	adv := &advertiser{
		instance: s.label,
		host:     s.host,
		port:     s.cfg.Port,
		txt:      txtRecord{Version: s.cfg.Version, Device: s.cfg.Device, Instance: s.instance}.strings(),
		logf:     s.cfg.Logf,
	}
	s.loop(ctx, adv)
	adv.shutdown()
	s.table.clear(GoneStopped)
	adv.wait()
	return nil
}

// loop runs one browse-and-advertise cycle per period until ctx ends, and
// removes peers that said goodbye when their grace period is over. A new
// browser starts before the old one stops, so no announcement falls
// between.
func (s *Service) loop(ctx context.Context, adv *advertiser) {
	var p parts
	defer p.stop()
	ticker := time.NewTicker(s.cfg.Announce)
	defer ticker.Stop()
	departure := time.NewTimer(time.Hour)
	defer departure.Stop()
	s.cycle(ctx, adv, &p)
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			s.cycle(ctx, adv, &p)
		case <-s.leaving:
		case <-departure.C:
		}
		// Remove the leavers that are due, and wake up for the next one.
		if next := s.table.depart(time.Now()); !next.IsZero() {
			departure.Reset(time.Until(next))
		}
	}
}

// parts are what loop keeps running between periods.
type parts struct {
	browser  *browser
	listener *listener
}

// stop stops both parts; safe when they are nil.
func (p *parts) stop() {
	p.browser.stop()
	p.listener.stop()
	p.browser, p.listener = nil, nil
}

// cycle refreshes the interfaces, the registration, the goodbye listener
// and the browser, and expires silent peers.
//
// Silence is counted in our own periods, not in time: a peer expires when
// it answered none of the last ExpiryPeriods browses, i.e. when it was
// last seen before the oldest of them started. Each browse reports a peer
// once, right after its query, so LastSeen is at best one period old when
// the next cycle starts; measured against the clock, a cycle that runs
// late (our process stalled or starved of CPU, the machine suspended, the
// ticker dropping ticks) would drop every peer at once, before they could
// answer the query they never got.
func (s *Service) cycle(ctx context.Context, adv *advertiser, p *parts) {
	now := s.cfg.Now()
	if len(s.browses) == ExpiryPeriods {
		s.table.expire(s.browses[0])
		s.browses = slices.Delete(s.browses, 0, 1)
	}
	s.browses = append(s.browses, now)
	l, err := resolveLink(s.cfg.Interfaces)
	if err != nil {
		s.cfg.Logf("discovery: %v", err)
	}
	if len(l.ifaces) == 0 {
		adv.shutdown()
		p.stop()
		return
	}
	adv.update(l)
	s.relisten(ctx, l, p)
	next, err := startBrowser(ctx, l, s.handle)
	if err != nil {
		s.cfg.Logf("discovery: %v", err)
	}
	p.browser.stop()
	p.browser = next
}

// relisten makes sure a goodbye listener runs on exactly the interfaces of
// l. It is started before the browser of the same cycle, so it hears the
// goodbye of any peer that browser can report.
func (s *Service) relisten(ctx context.Context, l link, p *parts) {
	if p.listener != nil && p.listener.key == l.groupKey() && p.listener.alive() {
		return
	}
	p.listener.stop()
	p.listener = nil
	lis, err := startListener(ctx, l, s.goodbye, s.cfg.Logf)
	if err != nil {
		s.cfg.Logf("discovery: %v", err)
		return
	}
	p.listener = lis
}

// goodbye handles a goodbye heard by the listener: the peers it names leave
// the table after GoodbyeGrace unless they announce a change or a restart
// first (peerTable.goodbye).
// Goodbyes of our own registration (sent when it is renewed) are ignored.
// Called from the listener's goroutines; never blocks.
func (s *Service) goodbye(g goodbye) {
	if g.device == s.cfg.Device || strings.EqualFold(g.host, s.host) ||
		(g.host == "" && strings.EqualFold(g.label, s.label)) {
		return
	}
	n := s.table.goodbye(g, time.Now().Add(GoodbyeGrace))
	if n == 0 {
		return
	}
	s.cfg.Logf("discovery: goodbye from %s on %s: leaving in %v unless it announces itself again", g.label, g.host, GoodbyeGrace)
	select {
	case s.leaving <- struct{}{}:
	default:
	}
}

// handle turns one browse result into a table update. Announcements that do
// not parse, are our own, or have no address on our interfaces are dropped.
func (s *Service) handle(e *zeroconf.ServiceEntry, l link) {
	p, err := s.peerFromEntry(e, l)
	if errors.Is(err, errOwn) {
		return
	}
	if err == nil {
		err = s.table.observe(p)
	}
	if err != nil {
		s.cfg.Logf("discovery: ignoring %q: %v", e.Instance, err)
	}
}

// peerFromEntry validates an announcement.
func (s *Service) peerFromEntry(e *zeroconf.ServiceEntry, l link) (Peer, error) {
	rec, err := parseTXT(e.Text)
	if err != nil {
		return Peer{}, err
	}
	if rec.Device == s.cfg.Device {
		return Peer{}, errOwn
	}
	if e.Port < 1 || e.Port > 65535 {
		return Peer{}, fmt.Errorf("port %d out of range", e.Port)
	}
	addrs := l.peerAddrs(append(append([]net.IP(nil), e.AddrIPv4...), e.AddrIPv6...))
	if len(addrs) == 0 {
		return Peer{}, fmt.Errorf("no address on %s among %v %v", ifaceList(l), e.AddrIPv4, e.AddrIPv6)
	}
	raw, err := unescapeLabel(e.Instance)
	if err != nil {
		raw = rec.Device.Short()
	}
	return Peer{
		label:    e.Instance,
		host:     e.HostName,
		Device:   rec.Device,
		Name:     displayName(raw, rec.Device),
		Addrs:    addrs,
		Port:     e.Port,
		Instance: rec.Instance,
		Version:  rec.Version,
		LastSeen: s.cfg.Now(),
	}, nil
}

// Peers returns the peers currently seen, sorted by name then device ID.
func (s *Service) Peers() []Peer { return s.table.list() }

// Lookup returns where device id was last seen, for dialling it with
// Peer.Addresses. ok is false when the device is not in the table.
func (s *Service) Lookup(id identity.DeviceID) (p Peer, ok bool) { return s.table.lookup(id) }

// MarkGone drops device id from the table, e.g. after a sync connection to
// it failed, and publishes PeerGone with GoneMarked. The device reappears
// (PeerAppeared) when it answers the next browse. No-op for unknown IDs.
func (s *Service) MarkGone(id identity.DeviceID) { s.table.remove(id, GoneMarked) }

// Subscribe returns a channel of presence events holding up to buffer
// events (at least 1), and a function that ends the subscription and closes
// the channel. Publishing never blocks discovery: when the channel is full
// the oldest event is dropped, so a slow reader may miss events and should
// re-read Peers after catching up. The cancel function may be called more
// than once.
func (s *Service) Subscribe(buffer int) (<-chan Event, func()) { return s.table.subscribe(buffer) }
