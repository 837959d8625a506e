package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	gosync "sync"
	"syscall"
	"time"

	"github.com/grove-team/grove/discovery"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/replica/identity"
	grovesync "github.com/grove-team/grove/sync"
	"github.com/grove-team/grove/sync/wire"
)

// DefaultListen is where `grove run` accepts sync connections by default.
const DefaultListen = ":7420"

func init() {
	register(command{name: "run", args: "[--listen ADDR] [--interfaces NAMES]", short: "run headless: accept syncs, sync partners, find peers on the LAN",
		flags: func(fs *flag.FlagSet, c *ctx) {
			c.opts["listen"] = fs.String("listen", DefaultListen, "address to accept sync connections on")
			c.opts["interfaces"] = fs.String("interfaces", os.Getenv("GROVE_INTERFACES"), "network interfaces for LAN discovery, e.g. eth0,wlan0 (default: every multicast interface except loopback; \"none\": off; also $GROVE_INTERFACES)")
			c.opts["interval"] = fs.String("interval", "5m", "sync every partner this often")
			c.bools["auto"] = fs.Bool("auto", true, "sync a moment after each change and when a partner appears (false: only on demand and on the schedule)")
		},
		run: runRun})
}

// discoveryInterfaces resolves --interfaces: explicit names, "none", or the
// multicast-capable non-loopback interfaces.
func discoveryInterfaces(flagValue string) ([]string, error) {
	switch flagValue {
	case "none", "off":
		return nil, nil
	case "":
		ifs, err := discovery.DefaultInterfaces()
		if err != nil {
			return nil, err
		}
		return discovery.InterfaceNames(ifs), nil
	}
	return discovery.ParseInterfaces(flagValue)
}

// book answers partner addresses from the discovery peer table.
type book struct{ svc *discovery.Service }

func (b book) Addresses(dev identity.DeviceID) []string {
	if b.svc == nil {
		return nil
	}
	p, ok := b.svc.Lookup(dev)
	if !ok {
		return nil
	}
	return p.Addresses()
}

func runRun(c *ctx, args []string) error {
	if len(args) > 0 {
		return usageErr("unexpected argument %q", args[0])
	}
	if c.env != nil {
		return errors.New("this data folder already has a running instance")
	}
	interval, err := time.ParseDuration(c.str("interval"))
	if err != nil {
		return usageErr("--interval: %v", err)
	}
	dir, err := DataDir(c.dataFlag)
	if err != nil {
		return err
	}
	store, err := replica.Open(dir, replica.Options{})
	if err != nil {
		return err
	}
	defer store.Close()
	dev, err := store.Device()
	if errors.Is(err, replica.ErrNotInitialized) {
		dev, err = store.Init("")
	}
	if err != nil {
		return err
	}
	ifs, ifErr := discoveryInterfaces(c.str("interfaces"))

	b := &book{}
	node, err := grovesync.New(grovesync.Config{Store: store, Listen: c.str("listen"), Book: b, Interval: interval, Manual: !*c.bools["auto"],
		Logf: func(f string, a ...any) { fmt.Fprintf(c.stderr, time.Now().Format("15:04:05 ")+f+"\n", a...) }})
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var svc *discovery.Service
	switch {
	case ifErr != nil:
		fmt.Fprintf(c.stderr, "LAN discovery off: %v. Give --interfaces NAMES to choose, or sync by address.\n", ifErr)
	case len(ifs) > 0:
		svc, err = discovery.New(discovery.Config{Interfaces: ifs, Device: dev.ID, Name: dev.Name, Port: node.Port(), Version: wire.Version})
		if err != nil {
			return err
		}
		b.svc = svc
	}
	env := &Env{Store: store, Node: node, Discovery: svc}
	fmt.Fprintf(c.stdout, "Grove %s running\ndevice  %s (%s)\nsync    %s\ndata    %s\n", Version, dev.ID, dev.Name, node.Addr(), dir)
	if svc != nil {
		fmt.Fprintf(c.stdout, "LAN     %v\n", ifs)
	}
	return runParts(ctx, stop, dir, env)
}

// runParts runs the node, discovery and control socket until ctx ends or
// one of them fails, then stops them all and waits.
func runParts(ctx context.Context, stop func(), dir string, env *Env) error {
	var wg gosync.WaitGroup
	errs := make(chan error, 3)
	start := func(name string, fn func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(ctx); err != nil && ctx.Err() == nil {
				errs <- fmt.Errorf("%s: %w", name, err)
				stop()
			}
		}()
	}
	start("sync", env.Node.Run)
	start("control", func(ctx context.Context) error { return ServeControl(ctx, dir, env) })
	if env.Discovery != nil {
		start("discovery", env.Discovery.Run)
		start("presence", func(ctx context.Context) error { return presence(ctx, env) })
	}
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

// presence syncs with a member's device as soon as it appears on the LAN.
func presence(ctx context.Context, env *Env) error {
	events, cancel := env.Discovery.Subscribe(64)
	defer cancel()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-events:
			if !ok {
				return nil
			}
			if ev.Kind == discovery.PeerAppeared || ev.Kind == discovery.PeerRestarted || ev.Kind == discovery.PeerUpdated {
				env.Node.PeerAppeared(ev.Peer.Device)
			}
		}
	}
}
