package discovery

import (
	"context"
	"fmt"

	"github.com/grandcat/zeroconf"
)

// browser is one zeroconf resolver browsing _grove._tcp. The pinned library
// reports each instance once per resolver and never reports departures, so
// Run replaces the browser every period; the fresh query makes every peer
// answer, which refreshes LastSeen and surfaces restarts and changes.
type browser struct {
	cancel context.CancelFunc
	done   chan struct{} // closed when the library has closed its channel
}

// startBrowser creates a resolver on the interfaces of l (never an empty
// list) and drains its results into handle until stop is called.
func startBrowser(ctx context.Context, l link, handle func(*zeroconf.ServiceEntry, link)) (*browser, error) {
	if len(l.ifaces) == 0 {
		return nil, fmt.Errorf("browse %s: %w", serviceType, ErrNoInterfaces)
	}
	r, err := zeroconf.NewResolver(zeroconf.SelectIfaces(l.ifaces), zeroconf.SelectIPTraffic(l.ipType))
	if err != nil {
		return nil, fmt.Errorf("browse %s on %s: %w", serviceType, ifaceList(l), err)
	}
	entries := make(chan *zeroconf.ServiceEntry, 16)
	bctx, cancel := context.WithCancel(ctx)
	b := &browser{cancel: cancel, done: make(chan struct{})}
	// The library blocks on this channel and closes it once bctx ends, so
	// the drain runs until then, whatever happens.
	go func() {
		defer close(b.done)
		for e := range entries {
			handle(e, l)
		}
	}()
	if err := r.Browse(bctx, serviceType, domain, entries); err != nil {
		b.stop()
		return nil, fmt.Errorf("browse %s on %s: %w", serviceType, ifaceList(l), err)
	}
	return b, nil
}

// stop ends the browse and waits until the library has released the results
// channel. Safe on a nil browser.
func (b *browser) stop() {
	if b == nil {
		return
	}
	b.cancel()
	<-b.done
}
