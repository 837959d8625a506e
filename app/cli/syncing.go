package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"
	"github.com/grove-team/grove/replica"
	grovesync "github.com/grove-team/grove/sync"
)

func init() {
	register(command{name: "sync", args: "--ws WS [--peer HOST:PORT]", short: "sync a workspace now, with one peer or every partner",
		flags: func(fs *flag.FlagSet, c *ctx) {
			wsFlag(fs, c)
			c.opts["peer"] = fs.String("peer", "", "address of a peer running `grove run` (default: every partner of the workspace)")
		},
		run: runSync})
	register(command{name: "invite", args: "--ws WS [--role participant|manager|guest] [--valid 24h] [--addr HOST:PORT]", short: "print a one-time invitation code",
		flags: func(fs *flag.FlagSet, c *ctx) {
			wsFlag(fs, c)
			c.opts["role"] = fs.String("role", "participant", "role of the invited member")
			c.opts["valid"] = fs.String("valid", "72h", "how long the code works")
			c.opts["addr"] = fs.String("addr", "", "where the invitee reaches this device (default: the running instance's addresses)")
		},
		run: runInvite})
	register(command{name: "join", args: "CODE [--peer HOST:PORT]", short: "join a workspace with an invitation code",
		flags: func(fs *flag.FlagSet, c *ctx) {
			c.opts["peer"] = fs.String("peer", "", "the inviter's address, when the code's hints do not reach it")
		},
		run: runJoin})
	register(command{name: "mappings list", args: "[--ws WS]", short: "list sync partners and their mappings",
		flags: wsFlag, run: runMappings})
	register(command{name: "status", args: "--ws WS", short: "per partner, how many changes each side still lacks",
		flags: wsFlag, run: runStatus})
	register(command{name: "peers", short: "devices seen on the LAN (needs `grove run`)", run: runPeers})
}

// node returns the running instance's sync node, or a one-shot node over
// s (no listener) and a function that releases it.
func (c *ctx) node(s *replica.Store) (*grovesync.Node, func(), error) {
	if c.env != nil && c.env.Node != nil {
		return c.env.Node, func() {}, nil
	}
	n, err := grovesync.New(grovesync.Config{Store: s, Interval: -1})
	if err != nil {
		return nil, nil, err
	}
	return n, n.Close, nil
}

type syncJSON struct {
	Peer             string  `json:"peer"`
	Addr             string  `json:"addr,omitempty"`
	ReceivedItems    int     `json:"received_items"`
	ReceivedVersions int     `json:"received_versions"`
	SentItems        int     `json:"sent_items"`
	Conflicts        int     `json:"conflicts"`
	PeerConflicts    int     `json:"peer_conflicts"`
	BytesSent        int64   `json:"bytes_sent"`
	BytesReceived    int64   `json:"bytes_received"`
	Millis           float64 `json:"ms"`
	Error            string  `json:"error,omitempty"`
}

func toSyncJSON(r grovesync.Result, err error) syncJSON {
	j := syncJSON{Peer: r.Peer.String(), Addr: r.Addr, ReceivedItems: r.ReceivedItems, ReceivedVersions: r.ReceivedVersions,
		SentItems: r.SentItems, Conflicts: r.Conflicts, PeerConflicts: r.PeerConflicts,
		BytesSent: r.BytesSent, BytesReceived: r.BytesReceived, Millis: float64(r.Duration.Microseconds()) / 1000}
	if err != nil {
		j.Error = err.Error()
	}
	return j
}

func runSync(c *ctx, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	return c.inWorkspace(func(s *replica.Store, w replica.Workspace) error {
		n, release, err := c.node(s)
		if err != nil {
			return err
		}
		defer release()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		var results []syncJSON
		var firstErr error
		if peer := c.str("peer"); peer != "" {
			r, err := n.SyncPeer(ctx, w.ID, peer)
			results, firstErr = append(results, toSyncJSON(r, err)), err
		} else {
			ms, err := s.Mappings(w.ID)
			if err != nil {
				return err
			}
			if len(ms) == 0 {
				return fmt.Errorf("workspace %q has no sync partners yet: give --peer HOST:PORT", w.Name)
			}
			for _, m := range ms {
				r, err := n.SyncMapping(ctx, m)
				if r.Peer.IsZero() {
					r.Peer = m.Partner
				}
				results = append(results, toSyncJSON(r, err))
				if firstErr == nil {
					firstErr = err
				}
			}
		}
		if err := c.emit(results, func(o io.Writer) { printSyncs(o, results) }); err != nil {
			return err
		}
		return firstErr
	})
}

func printSyncs(o io.Writer, rs []syncJSON) {
	for _, r := range rs {
		if r.Error != "" {
			continue // reported as the command's error
		}
		fmt.Fprintf(o, "synced with %s at %s in %.1f ms: received %d items (%d versions), sent %d items, %d new conflicts here, %d there; %d bytes out, %d in\n",
			r.Peer[:13], r.Addr, r.Millis, r.ReceivedItems, r.ReceivedVersions, r.SentItems, r.Conflicts, r.PeerConflicts, r.BytesSent, r.BytesReceived)
	}
}

func runInvite(c *ctx, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	role, err := replica.ParseRole(c.str("role"))
	if err != nil {
		return usageErr("%v", err)
	}
	valid, err := time.ParseDuration(c.str("valid"))
	if err != nil || valid <= 0 {
		return usageErr("--valid: want a duration like 24h")
	}
	return c.inWorkspace(func(s *replica.Store, w replica.Workspace) error {
		n, release, err := c.node(s)
		if err != nil {
			return err
		}
		defer release()
		var hints []string
		if a := c.str("addr"); a != "" {
			hints = strings.Split(a, ",")
		}
		inv, err := n.Invite(w.ID, role, valid, hints)
		if err != nil {
			return err
		}
		code := inv.Code()
		return c.emit(map[string]any{"code": code, "workspace": w.ID.String(), "role": role.String(), "addrs": inv.Addrs}, func(o io.Writer) {
			fmt.Fprintln(o, code)
			if len(inv.Addrs) == 0 {
				fmt.Fprintln(c.stderr, "Note: this device is not running `grove run`, so the code carries no address. Start it (or pass --addr) before the invitee joins.")
			}
		})
	})
}

func runJoin(c *ctx, args []string) error {
	if len(args) != 1 {
		return usageErr("want the invitation CODE")
	}
	inv, err := grovesync.ParseCode(args[0])
	if err != nil {
		return err
	}
	return c.withStore(func(s *replica.Store) error {
		n, release, err := c.node(s)
		if err != nil {
			return err
		}
		defer release()
		var extra []string
		if p := c.str("peer"); p != "" {
			extra = append(extra, p)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		ws, res, err := n.Join(ctx, inv, extra...)
		if err != nil {
			return err
		}
		out := struct {
			Workspace string `json:"workspace"`
			Name      string `json:"name"`
			syncJSON
		}{ws.ID.String(), ws.Name, toSyncJSON(res, nil)}
		return c.emit(out, func(o io.Writer) {
			fmt.Fprintf(o, "joined %q (%s): received %d items\n", ws.Name, ws.ID, res.ReceivedItems)
		})
	})
}

type mappingJSON struct {
	ID        string    `json:"id"`
	Workspace string    `json:"workspace"`
	Partner   string    `json:"partner"`
	Direction string    `json:"direction"`
	Scopes    []string  `json:"scopes"`
	LastSync  time.Time `json:"last_sync,omitempty"`
	LastAddr  string    `json:"last_address,omitempty"`
}

func runMappings(c *ctx, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	return c.withStore(func(s *replica.Store) error {
		ws := uuid.Nil
		if c.str("ws") != "" {
			w, err := c.workspace(s)
			if err != nil {
				return err
			}
			ws = w.ID
		}
		ms, err := s.Mappings(ws)
		if err != nil {
			return err
		}
		out := make([]mappingJSON, 0, len(ms))
		for _, m := range ms {
			mj := mappingJSON{ID: m.ID.String(), Workspace: m.Workspace.String(), Partner: m.Partner.String(), Direction: m.Direction.String(), LastSync: m.LastSync}
			for _, sc := range m.Scopes {
				mj.Scopes = append(mj.Scopes, sc.String())
			}
			if p, ok, _ := s.PeerAddress(m.Workspace, m.Partner); ok {
				mj.LastAddr = p.Addr
			}
			out = append(out, mj)
		}
		return c.emit(out, func(o io.Writer) {
			if len(out) == 0 {
				fmt.Fprintln(o, "No sync partners yet.")
				return
			}
			tw := tabwriter.NewWriter(o, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "WORKSPACE\tPARTNER\tDIRECTION\tSCOPES\tLAST SYNC\tLAST ADDRESS")
			for _, m := range out {
				last := "never"
				if !m.LastSync.IsZero() {
					last = m.LastSync.Local().Format(time.DateTime)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", m.Workspace[:8], m.Partner[:13], m.Direction, strings.Join(m.Scopes, ","), last, m.LastAddr)
			}
			tw.Flush()
		})
	})
}

func runStatus(c *ctx, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	return c.inWorkspace(func(s *replica.Store, w replica.Workspace) error {
		n, release, err := c.node(s)
		if err != nil {
			return err
		}
		defer release()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		st, err := n.Status(ctx, w.ID)
		if err != nil {
			return err
		}
		type lacksJSON struct {
			Scope    string `json:"scope"`
			WeLack   int    `json:"we_lack"`
			TheyLack int    `json:"they_lack"`
		}
		type partnerJSON struct {
			Partner  string      `json:"partner"`
			Online   bool        `json:"online"`
			Addr     string      `json:"addr,omitempty"`
			LastSync time.Time   `json:"last_sync,omitempty"`
			Lacks    []lacksJSON `json:"lacks,omitempty"`
			Error    string      `json:"error,omitempty"`
		}
		out := make([]partnerJSON, 0, len(st))
		for _, p := range st {
			pj := partnerJSON{Partner: p.Partner.String(), Online: p.Online, Addr: p.Addr, LastSync: p.LastSync, Error: p.Error}
			for _, l := range p.Lacks {
				pj.Lacks = append(pj.Lacks, lacksJSON{Scope: l.Scope.String(), WeLack: l.WeLack, TheyLack: l.TheyLack})
			}
			out = append(out, pj)
		}
		return c.emit(out, func(o io.Writer) {
			if len(out) == 0 {
				fmt.Fprintln(o, "No sync partners yet.")
				return
			}
			for _, p := range out {
				if !p.Online {
					fmt.Fprintf(o, "%s  offline (%s)\n", p.Partner[:13], p.Error)
					continue
				}
				var parts []string
				for _, l := range p.Lacks {
					parts = append(parts, fmt.Sprintf("%s: we lack %d, they lack %d", l.Scope, l.WeLack, l.TheyLack))
				}
				fmt.Fprintf(o, "%s  %s  %s\n", p.Partner[:13], p.Addr, strings.Join(parts, "; "))
			}
		})
	})
}

func runPeers(c *ctx, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	if c.env == nil || c.env.Discovery == nil {
		return errors.New("peers are known only while `grove run` runs on this data folder with LAN discovery on")
	}
	peers := c.env.Discovery.Peers()
	type peerJSON struct {
		Device     string    `json:"device_id"`
		Name       string    `json:"name"`
		Addresses  []string  `json:"addresses"`
		LastSeen   time.Time `json:"last_seen"`
		Workspaces []string  `json:"workspaces,omitempty"`
	}
	all, _ := c.env.Store.Workspaces()
	out := make([]peerJSON, 0, len(peers))
	for _, p := range peers {
		pj := peerJSON{Device: p.Device.String(), Name: p.Name, Addresses: p.Addresses(), LastSeen: p.LastSeen}
		for _, w := range all {
			if _, ok, _ := c.env.Store.MemberOf(w.ID, p.Device); ok {
				pj.Workspaces = append(pj.Workspaces, w.Name)
			}
		}
		out = append(out, pj)
	}
	return c.emit(out, func(o io.Writer) {
		if len(out) == 0 {
			fmt.Fprintln(o, "No Grove devices seen on the LAN.")
			return
		}
		tw := tabwriter.NewWriter(o, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "DEVICE\tNAME\tADDRESSES\tLAST SEEN\tSHARED WORKSPACES")
		for _, p := range out {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s ago\t%s\n", p.Device[:13], p.Name, strings.Join(p.Addresses, " "), time.Since(p.LastSeen).Round(time.Second), strings.Join(p.Workspaces, ", "))
		}
		tw.Flush()
	})
}

// parsePick reads --pick: a version's position in `conflicts list` (1 is
// the shown winner) or REPLICA-PREFIX:TICK.
func parsePick(s string, versions []replica.FieldVersion) (replica.FieldVersion, error) {
	if i, err := strconv.Atoi(s); err == nil {
		if i < 1 || i > len(versions) {
			return replica.FieldVersion{}, usageErr("--pick %d: the field has versions 1 to %d", i, len(versions))
		}
		return versions[i-1], nil
	}
	prefix, tick, ok := strings.Cut(s, ":")
	t, err := strconv.ParseUint(tick, 10, 64)
	if ok && err == nil {
		for _, v := range versions {
			if v.Tick == t && strings.HasPrefix(v.Replica.String(), strings.ToLower(prefix)) {
				return v, nil
			}
		}
	}
	return replica.FieldVersion{}, usageErr("--pick %q matches no version (use the number from `grove conflicts list`)", s)
}
