// Command bench runs the "contacts" sync workload between two real grove
// processes over loopback TLS and prints a table: wall time, bytes on the
// wire each way and peak RSS of each process, for
//
//	W1  initial sync A→B (B joins A's workspace of N contacts)
//	W2  one field edited at A, sync
//	W3  1% of records edited at A, sync
//	W4  sync again with nothing new
//	W4r the first sync from B's side back to A (A dials B), nothing new
//	W5  the same field of 1,000 records edited differently on both sides,
//	    two-way sync; converged with the losers kept
//
// and, in the same run, the time to write the same record keys and bytes
// straight into bbolt (the storage floor), with W1 as a ratio to it.
//
// usage: go run ./sync/bench --grove bin/grove [--n 10000,100000]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"
	"github.com/grove-team/grove/app/firstrun"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/schema"
	grovesync "github.com/grove-team/grove/sync"
	bolt "go.etcd.io/bbolt"
)

func main() {
	grove := flag.String("grove", "bin/grove", "the grove binary to measure")
	ns := flag.String("n", "10000,100000", "workspace sizes (records)")
	flag.Parse()
	bin, err := filepath.Abs(*grove)
	check(err)
	var rows []row
	for _, s := range strings.Split(*ns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		check(err)
		rows = append(rows, runWorkload(bin, n)...)
	}
	print(rows)
}

// row is one measured phase.
type row struct {
	N                 int
	Phase             string
	WallMs, SessionMs float64
	BytesAB, BytesBA  int64 // A→B and B→A
	RSSA, RSSB        int64 // kB
	Note              string
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// device is one grove data folder, with its process when running.
type device struct {
	bin, dir, addr string
	cmd            *exec.Cmd
}

func (d *device) start() {
	d.cmd = exec.Command(d.bin, "run", "--data", d.dir, "--listen", d.addr, "--interfaces", "none", "--auto=false", "--interval", "24h")
	d.cmd.Env = env(d.dir)
	log, err := os.Create(filepath.Join(d.dir, "run.log"))
	check(err)
	d.cmd.Stdout, d.cmd.Stderr = log, log
	check(d.cmd.Start())
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("unix", filepath.Join(d.dir, "grove.sock")); err == nil {
			c.Close()
			return
		}
	}
	check(fmt.Errorf("grove run in %s did not start; see run.log", d.dir))
}

func (d *device) stop() {
	d.cmd.Process.Signal(syscall.SIGTERM)
	d.cmd.Wait()
}

// rss returns the process's peak resident set size in kB.
func (d *device) rss() int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", d.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return kb
		}
	}
	return 0
}

func env(dir string) []string {
	return append(os.Environ(), "LANG=en_US.UTF-8", "XDG_CONFIG_HOME="+dir, "XDG_CACHE_HOME="+dir)
}

// cli runs a grove command against d and decodes its JSON output into v.
func (d *device) cli(v any, args ...string) time.Duration {
	cmd := exec.Command(d.bin, append(args, "--data", d.dir, "--json")...)
	cmd.Env = env(d.dir)
	t0 := time.Now()
	out, err := cmd.Output()
	wall := time.Since(t0)
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		check(fmt.Errorf("grove %s: %v\n%s", strings.Join(args, " "), err, msg))
	}
	if v != nil {
		check(json.Unmarshal(out, v))
	}
	return wall
}

type syncOut struct {
	ReceivedItems int     `json:"received_items"`
	SentItems     int     `json:"sent_items"`
	Conflicts     int     `json:"conflicts"`
	PeerConflicts int     `json:"peer_conflicts"`
	BytesSent     int64   `json:"bytes_sent"`
	BytesReceived int64   `json:"bytes_received"`
	Ms            float64 `json:"ms"`
	Error         string  `json:"error"`
}

func freePort() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	defer l.Close()
	return l.Addr().String()
}

// contact is record i of the deterministic data set.
func contact(t *schema.Tool, i int) map[uuid.UUID]schema.Value {
	v, err := firstrun.ParseFields(t, map[string]string{
		"Name": fmt.Sprintf("Contact %07d", i), "Email": fmt.Sprintf("contact%d@example.com", i),
		"Phone": fmt.Sprintf("+1 555 %07d", i), "Company": fmt.Sprintf("Company %d", i%997),
		"Title": []string{"Engineer", "Buyer", "Director", "Analyst"}[i%4], "City": []string{"Lisbon", "Oslo", "Quito", "Perth", "Osaka"}[i%5],
		"Notes": fmt.Sprintf("Met at event %d.", i%31), "Tag": []string{"Customer", "Supplier", "Partner"}[i%3],
	})
	check(err)
	return v
}

// prepare writes A's workspace of n contacts and an invitation for B.
func prepare(dirA, dirB string, n int) (ws uuid.UUID, code func(addr string) string, ids []uuid.UUID) {
	s, err := replica.Open(dirA, replica.Options{NoSync: true})
	check(err)
	defer s.Close()
	dev, err := s.Init("A")
	check(err)
	t, err := firstrun.Template("contacts")
	check(err)
	w, err := s.CreateWorkspace("Bench", t)
	check(err)
	for start := 0; start < n; start += 5000 {
		var batch []map[uuid.UUID]schema.Value
		for i := start; i < min(start+5000, n); i++ {
			batch = append(batch, contact(t, i))
		}
		got, err := s.PutRecords(w.ID, t.ID, batch)
		check(err)
		ids = append(ids, got...)
	}
	inv, err := s.CreateInvitation(w.ID, replica.RoleParticipant, time.Hour)
	check(err)
	b, err := replica.Open(dirB, replica.Options{NoSync: true})
	check(err)
	_, err = b.Init("B")
	check(err)
	b.Close()
	return w.ID, func(addr string) string {
		return grovesync.Invitation{Workspace: w.ID, Inviter: dev.ID, Secret: inv.Secret, Addrs: []string{addr}}.Code()
	}, ids
}

// editCity sets the City of records ids on the store in dir, stopped.
func editCity(dir string, ws uuid.UUID, ids []uuid.UUID, value func(int) string) {
	s, err := replica.Open(dir, replica.Options{})
	check(err)
	defer s.Close()
	t, err := firstrun.Template("contacts")
	check(err)
	city, _ := t.FieldByName("City")
	for i, id := range ids {
		_, err := s.PutRecord(ws, t.ID, id, map[uuid.UUID]schema.Value{city.ID: schema.TextValue(value(i))})
		check(err)
	}
}

// floor writes B's record items straight into a fresh bbolt file, in
// batches of 4,096 like the sync's, with fsync, and returns the time. With
// perUnit, it writes what a layout of one key per change unit would: each
// record's 9 units (existence + 8 fields) under record|unit keys, with the
// record's bytes split evenly among them.
func floor(dirB string, ws uuid.UUID, perUnit bool) time.Duration {
	s, err := replica.Open(dirB, replica.Options{})
	check(err)
	var keys, vals [][]byte
	check(s.Raw(ws, replica.ScopeData, func(k, v []byte) {
		if !perUnit {
			keys, vals = append(keys, append([]byte(nil), k...)), append(vals, append([]byte(nil), v...))
			return
		}
		for u := 0; u < 9; u++ {
			key := append(append([]byte(nil), k...), make([]byte, 16)...)
			key[len(key)-1] = byte(u)
			keys, vals = append(keys, key), append(vals, append([]byte(nil), v[u*len(v)/9:(u+1)*len(v)/9]...))
		}
	}))
	s.Close()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("grove-floor-%d.db", os.Getpid()))
	defer os.Remove(path)
	db, err := bolt.Open(path, 0o600, &bolt.Options{FreelistType: bolt.FreelistMapType})
	check(err)
	defer db.Close()
	t0 := time.Now()
	per := 4096
	if perUnit {
		per *= 9
	}
	for start := 0; start < len(keys); start += per {
		check(db.Update(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte("items"))
			if err != nil {
				return err
			}
			for i := start; i < min(start+per, len(keys)); i++ {
				if err := b.Put(keys[i], vals[i]); err != nil {
					return err
				}
			}
			return nil
		}))
	}
	return time.Since(t0)
}

func runWorkload(bin string, n int) []row {
	fmt.Fprintf(os.Stderr, "preparing %d contacts...\n", n)
	root, err := os.MkdirTemp("", "grove-bench-")
	check(err)
	defer os.RemoveAll(root)
	a := &device{bin: bin, dir: filepath.Join(root, "a"), addr: freePort()}
	b := &device{bin: bin, dir: filepath.Join(root, "b"), addr: freePort()}
	ws, code, ids := prepare(a.dir, b.dir, n)
	a.start()
	b.start()
	var rows []row
	add := func(phase string, wall time.Duration, o syncOut, aToB bool, note string) {
		r := row{N: n, Phase: phase, WallMs: ms(wall), SessionMs: o.Ms, RSSA: a.rss(), RSSB: b.rss(), Note: note}
		// The syncing side reports bytes it sent and received.
		if aToB {
			r.BytesAB, r.BytesBA = o.BytesSent, o.BytesReceived
		} else {
			r.BytesAB, r.BytesBA = o.BytesReceived, o.BytesSent
		}
		rows = append(rows, r)
		if o.Error != "" {
			check(fmt.Errorf("%s: %s", phase, o.Error))
		}
	}
	sync := func(from, to *device) (time.Duration, syncOut) {
		var out []syncOut
		wall := from.cli(&out, "sync", "--ws", ws.String(), "--peer", to.addr)
		return wall, out[0]
	}

	// W1: B joins, receiving everything.
	var join syncOut
	wall := b.cli(&join, "join", code(a.addr))
	add("W1 initial sync A→B", wall, join, false, fmt.Sprintf("%d items", join.ReceivedItems))

	// W2: one field edited at A (through A's running instance), B syncs.
	a.cli(nil, "record", "put", "--ws", ws.String(), "--id", ids[n/2].String(), "City=Reykjavik")
	w, o := sync(b, a)
	add("W2 one edit", w, o, false, fmt.Sprintf("%d item", o.ReceivedItems))

	// W3: 1% of records edited at A.
	a.stop()
	var some []uuid.UUID
	for i := 0; i < n; i += 100 {
		some = append(some, ids[i])
	}
	editCity(a.dir, ws, some, func(i int) string { return fmt.Sprintf("Edited %d", i) })
	a.start()
	w, o = sync(b, a)
	add("W3 1% edits", w, o, false, fmt.Sprintf("%d items", o.ReceivedItems))

	// W4: nothing new, either direction.
	w, o = sync(b, a)
	add("W4 nothing new", w, o, false, "")
	w, o = sync(a, b)
	add("W4r first sync back B→A", w, o, true, "A dials B")

	// W5: the same field of 1,000 records, differently on both sides.
	a.stop()
	b.stop()
	k := min(1000, n)
	editCity(a.dir, ws, ids[:k], func(i int) string { return fmt.Sprintf("A-%d", i) })
	editCity(b.dir, ws, ids[:k], func(i int) string { return fmt.Sprintf("B-%d", i) })
	a.start()
	b.start()
	w, o = sync(b, a)
	var ca, cb []json.RawMessage
	a.cli(&ca, "conflicts", "list", "--ws", ws.String())
	b.cli(&cb, "conflicts", "list", "--ws", ws.String())
	add("W5 1,000 conflicts", w, o, false, fmt.Sprintf("conflicts kept: A %d, B %d", len(ca), len(cb)))
	a.stop()
	b.stop()

	f := floor(b.dir, ws, false)
	rows = append(rows, row{N: n, Phase: "bbolt floor, record keys", WallMs: ms(f), Note: fmt.Sprintf("W1 / floor = %.2f", rows[0].WallMs/ms(f))})
	fu := floor(b.dir, ws, true)
	rows = append(rows, row{N: n, Phase: "bbolt floor, unit keys", WallMs: ms(fu), Note: fmt.Sprintf("W1 / floor = %.2f (%d keys)", rows[0].WallMs/ms(fu), n*9)})
	return rows
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func print(rows []row) {
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "N\tphase\twall ms\tsession ms\tbytes A→B\tbytes B→A\tRSS A MB\tRSS B MB\t\tnote")
	for _, r := range rows {
		fmt.Fprintf(tw, "%d\t%s\t%.1f\t%.2f\t%d\t%d\t%.0f\t%.0f\t\t%s\n", r.N, r.Phase, r.WallMs, r.SessionMs, r.BytesAB, r.BytesBA, float64(r.RSSA)/1024, float64(r.RSSB)/1024, r.Note)
	}
	tw.Flush()
	fmt.Println("wall: the grove command's round trip (process start included); session: the sync itself on the running instance's connection.")
}
