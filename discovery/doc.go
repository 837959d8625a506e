// Package discovery finds other Grove devices on the local network with
// DNS-SD over multicast DNS (service type _grove._tcp), using the pinned
// github.com/grandcat/zeroconf, and keeps a table of them.
//
// # Basics
//
// A Service advertises this device and browses for others on a fixed list of
// network interfaces. The advertisement is a RegisterProxy registration:
//
//   - instance name: the device name plus " (SHORTID)", at most 63 bytes
//     (the suffix keeps two devices with the same name apart);
//   - host name: the device ID without dashes, lower case, under .local.,
//     so every device has its own address records, even several devices in
//     network namespaces of one kernel;
//   - SRV: the sync port; A/AAAA: the addresses of the configured interfaces;
//   - TXT: v=<protocol version>, id=<device ID>, inst=<per-process instance
//     ID>, about 90 bytes. No secret, no workspace or member data.
//
// TXT is untrusted: it is parsed strictly, bad entries are ignored, and the
// device ID it claims is proven only by the TLS handshake of a sync
// connection. An impostor can shadow a device's addresses until that
// handshake fails; the caller then calls MarkGone.
//
// Every period (Config.Announce, 10 s by default) Run browses afresh with a
// new resolver: its query makes every peer answer, which refreshes the
// table. A peer that answered none of our last three browses is dropped
// (PeerGone, GoneExpired); silence is counted in the periods Run went
// through, not on the clock, so a process that was stalled (starved of
// CPU, stopped in a debugger, a suspended machine) asks again before it
// drops anyone. A peer that stops cleanly says goodbye and is dropped
// within about a second (GoneGoodbye, see Goodbyes); MarkGone drops one at
// once; a new instance ID from a known device is a restart
// (PeerRestarted). Subscribe delivers these events on bounded channels
// that never block discovery. Lookup tells sync where a device is.
//
// # Goodbyes
//
// A responder that stops cleanly multicasts its records with TTL 0. The
// pinned library's browser drops those without a word, so Run keeps a
// passive goodbye listener of its own: a UDP socket per address family on
// port 5353, joined to 224.0.0.251 (and ff02::fb where the interface has
// IPv6 multicast) on exactly the configured interfaces, re-joined when they
// change, closed when Run ends. Packets that came in on another interface
// are dropped; the listener never sends. Packets are parsed with
// github.com/miekg/dns (goodbye.go): a PTR or SRV goodbye of a _grove._tcp
// instance names the instance label, the SRV its host (<device-id>.local.)
// and the TXT, when present, the device and instance IDs. The goodbye
// applies to the peer with that label and, when named, that host and
// instance (device names alone are not unique; a goodbye of a process that
// has since restarted does not remove its successor); our own goodbyes are
// ignored.
//
// The peer leaves GoodbyeGrace (1 s, as RFC 6762 §10.1 keeps such records)
// after the goodbye, unless it announces a change or a restart first: a
// peer renewing its registration for new addresses says goodbye and
// announces itself again at once. A renewal that changes nothing we can
// see (e.g. an address on an interface we do not share) therefore shows as
// PeerGone and, at the next period, PeerAppeared. Goodbyes are as
// unauthenticated as announcements: anyone on the link can make us drop a
// peer until its next answer, one period later at most.
//
// # Interfaces
//
// The interface list is explicit and never empty: zeroconf treats an empty
// list as "every interface", so New, ParseInterfaces and every call into the
// library refuse one (ErrNoInterfaces). DefaultInterfaces offers the
// interfaces that are up and multicast-capable, loopback excluded, and says
// so with ErrNoInterfaces when there are none. The command line exposes the
// choice as --interfaces / GROVE_INTERFACES. Tests use only lo inside a
// private network namespace, or veth interfaces in namespaces they create.
//
// # Caveats of the pinned library
//
// The interface list restricts where we announce and query and which
// multicast groups we join, not what we receive or answer: the library's
// sockets are bound to 0.0.0.0:5353 and [::]:5353, so:
//
//   - the responder answers multicast queries arriving on interfaces it
//     was not given, whenever some other socket of the host (Avahi, another
//     mDNS stack, another Grove) has joined the mDNS group there. The answer
//     leaves through the interface the query came in on and carries our
//     name, device ID and the addresses of the configured interfaces.
//     Unicast queries to any of the host's addresses may be answered too:
//     Linux gives a unicast datagram to one of the sockets on port 5353,
//     usually the most recently bound, which is mostly our resolver (it
//     ignores queries; so does the goodbye listener, bound once at start),
//     so that depends on timing.
//     TestResponderAnswersOnOtherInterface shows both.
//   - the browser likewise hears answers from such interfaces and cannot
//     tell which interface an answer came in on. We keep only addresses
//     inside the prefixes of the configured interfaces, and give IPv6
//     link-local addresses the zone of the interface holding the peer's
//     other addresses (or one address per IPv6 interface when unknown).
//
// Other behaviour worked around or accepted:
//
//   - Goodbyes are swallowed: the browser deletes records with TTL 0
//     without reporting them; hence the listener above.
//   - RegisterProxy appends the domain to the host name unless the name
//     ends with the domain exactly as passed, so we pass "local" (no dot):
//     with "local." every host would be <id>.local.local.
//   - Each resolver reports an instance once, and blocks until its channel
//     is drained: hence one fresh resolver per period, and every results
//     channel drained until the library closes it.
//   - The record TTL cannot be set without a data race (Server.TTL writes a
//     field the library's goroutines read), so PTR/SRV/TXT carry the
//     library's 3200 s and A/AAAA 120 s. Our own table does not use TTLs;
//     other mDNS caches may show a crashed Grove device for up to an hour.
//   - The registration's announcement goroutine runs about 3.5 s after
//     RegisterProxy and Shutdown does not stop it (its sends fail once the
//     sockets are closed). Run therefore returns no earlier than 4 s after
//     the last registration.
//   - The library logs through the standard log package when an address
//     family is unusable (e.g. "no suitable IPv6 interface" on lo).
//   - There is no conflict resolution (probing) for names; the ID suffix
//     makes conflicts between Grove devices practically impossible.
//   - Traffic grows with the square of the number of peers: each peer
//     queries once per period and every peer answers by multicast.
package discovery
