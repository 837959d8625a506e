package discovery

import (
	"context"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/grove-team/grove/replica/identity"
)

// Child processes: the test binary re-executed inside a namespace with
// GROVE_DISCOVERY_CHILD set runs one of these modes instead of the tests.
//
//	service  run a Service (GROVE_T_IFACES, GROVE_T_DEVICE, GROVE_T_NAME,
//	         GROVE_T_PORT, GROVE_T_ANNOUNCE) and print its events:
//	           READY <instance>
//	           EVENT <kind> <reason> <device> <addresses,...> <quoted name>
//	           STOPPED <goroutines left>          after SIGTERM, exit 0
//	join     join the mDNS group on GROVE_T_IFACES like another mDNS stack
//	         would, print READY, idle until SIGTERM
//	send     send each packet of GROVE_T_PACKETS (IFACE=HEX,...) to the
//	         IPv4 mDNS group out of IFACE, in order, print SENT and exit
//
// Both refuse to run outside a private namespace (exit 3).
const childModeEnv = "GROVE_DISCOVERY_CHILD"

func TestMain(m *testing.M) {
	if mode := os.Getenv(childModeEnv); mode != "" {
		os.Exit(runChild(mode))
	}
	os.Exit(m.Run())
}

func runChild(mode string) int {
	if p := isolationProblem(); p != "" {
		fmt.Fprintf(os.Stderr, "refusing to run discovery: %s\n", p)
		return 3
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	var err error
	switch mode {
	case "service":
		err = childService(ctx)
	case "join":
		err = childJoin(ctx)
	case "send":
		err = childSend()
	default:
		err = fmt.Errorf("unknown mode %q", mode)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "child %s: %v\n", mode, err)
		return 1
	}
	return 0
}

func childService(ctx context.Context) error {
	dev, err := identity.ParseDeviceID(os.Getenv("GROVE_T_DEVICE"))
	if err != nil {
		return err
	}
	port, _ := strconv.Atoi(os.Getenv("GROVE_T_PORT"))
	announce, _ := time.ParseDuration(os.Getenv("GROVE_T_ANNOUNCE"))
	s, err := New(Config{
		Interfaces: strings.Split(os.Getenv("GROVE_T_IFACES"), ","),
		Device:     dev,
		Name:       os.Getenv("GROVE_T_NAME"),
		Port:       port,
		Announce:   announce,
		Logf:       func(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) },
	})
	if err != nil {
		return err
	}
	before := runtime.NumGoroutine()
	events, cancel := s.Subscribe(256)
	printed := make(chan struct{})
	go func() {
		defer close(printed)
		for ev := range events {
			fmt.Printf("EVENT %s %s %s %s %q\n", ev.Kind, ev.Reason, ev.Peer.Device, strings.Join(ev.Peer.Addresses(), ","), ev.Peer.Name)
		}
	}()
	fmt.Printf("READY %s\n", s.Instance())
	err = s.Run(ctx)
	cancel()
	<-printed
	after := settleGoroutines(before, 5*time.Second)
	if after > before {
		buf := make([]byte, 1<<20)
		fmt.Fprintf(os.Stderr, "goroutines after Run:\n%s\n", buf[:runtime.Stack(buf, true)])
	}
	fmt.Printf("STOPPED %d %d\n", before, after)
	return err
}

func childJoin(ctx context.Context) error {
	ifi, err := net.InterfaceByName(os.Getenv("GROVE_T_IFACES"))
	if err != nil {
		return err
	}
	c, err := net.ListenMulticastUDP("udp4", ifi, &net.UDPAddr{IP: net.IPv4(224, 0, 0, 251), Port: 5353})
	if err != nil {
		return err
	}
	defer c.Close()
	fmt.Println("READY")
	<-ctx.Done()
	return nil
}

func childSend() error {
	for _, item := range strings.Split(os.Getenv("GROVE_T_PACKETS"), ",") {
		via, hexPkt, _ := strings.Cut(item, "=")
		pkt, err := hex.DecodeString(hexPkt)
		if err != nil {
			return err
		}
		ifi, err := net.InterfaceByName(via)
		if err != nil {
			return err
		}
		addrs, err := ifi.Addrs()
		if err != nil || len(addrs) == 0 {
			return fmt.Errorf("addresses of %s: %v %v", via, addrs, err)
		}
		// Bound to the interface's address, the datagram leaves through it.
		c, err := net.DialUDP("udp4", &net.UDPAddr{IP: addrs[0].(*net.IPNet).IP}, &net.UDPAddr{IP: net.IPv4(224, 0, 0, 251), Port: 5353})
		if err != nil {
			return err
		}
		_, err = c.Write(pkt)
		c.Close()
		if err != nil {
			return fmt.Errorf("send via %s: %w", via, err)
		}
	}
	fmt.Println("SENT")
	return nil
}
