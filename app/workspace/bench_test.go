package workspace

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/google/uuid"
	"github.com/grove-team/grove/app/internal/apptest"
	"github.com/grove-team/grove/app/local"
	"github.com/grove-team/grove/app/loop"
	"github.com/grove-team/grove/app/model"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/schema"
)

const benchRecords = 100_000

var (
	benchOnce sync.Once
	benchEnv  *apptest.Env
	benchWS   uuid.UUID
	benchDir  string
)

// TestMain removes the benchmarks' data set, kept for the whole process.
func TestMain(m *testing.M) {
	code := m.Run()
	if benchEnv != nil {
		benchEnv.Store.Close()
	}
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// bigWorkspace makes (once per process) a workspace whose Tasks tool holds
// 100,000 records, written with PutRecords in batches of 1,000.
func bigWorkspace(b *testing.B) (*apptest.Env, uuid.UUID) {
	benchOnce.Do(func() {
		// Kept for the whole process: benchmark functions run several times
		// and their cleanups would close the store.
		dir, err := os.MkdirTemp("", "grove-bench-")
		if err != nil {
			b.Fatal(err)
		}
		benchDir = dir
		os.Setenv("XDG_CONFIG_HOME", dir)
		os.Setenv("XDG_CACHE_HOME", dir)
		st, err := replica.Open(dir, replica.Options{NoSync: true})
		if err != nil {
			b.Fatal(err)
		}
		st.Init("Bench")
		env := &apptest.Env{Store: st, Backend: local.New(st)}
		id := env.Demo(b)
		tasks, err := env.Store.FindTool(id, "Tasks")
		if err != nil {
			b.Fatal(err)
		}
		f := func(n string) uuid.UUID { x, _ := tasks.FieldByName(n); return x.ID }
		title, status, prio, due, owner, est := f("Title"), f("Status"), f("Priority"), f("Due"), f("Assignee"), f("Estimate (h)")
		states := []string{"To do", "In progress", "Waiting", "Done"}
		pr := []string{"Low", "Normal", "High", "Urgent"}
		for start := 0; start < benchRecords; start += 1000 {
			batch := make([]map[uuid.UUID]schema.Value, 1000)
			for i := range batch {
				n := start + i
				batch[i] = map[uuid.UUID]schema.Value{
					title:  schema.TextValue(fmt.Sprintf("Task %06d: check shipment %d", n, n*7919%100000)),
					status: schema.ChoiceValue(states[n%4]), prio: schema.ChoiceValue(pr[n*13%4]),
					due: schema.DateDays(int32(20500 + n%365)), owner: schema.PersonValue(schema.PersonParts{Email: fmt.Sprintf("owner%d@example.org", n%37)}),
					est: schema.NumberValue(float64(n % 40)),
				}
			}
			if _, err := env.Store.PutRecords(id, tasks.ID, batch); err != nil {
				b.Fatal(err)
			}
		}
		benchEnv, benchWS = env, id
	})
	return benchEnv, benchWS
}

func rssKB(field string) int {
	raw, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(l, field+":") {
			n, _ := strconv.Atoi(strings.Fields(l)[1])
			return n
		}
	}
	return 0
}

// BenchmarkOpen100kFirstPaint measures opening the workspace window on a
// tool with 100,000 records until the table has rows and the canvas is
// painted (software painter of the test driver); the rest loads after.
// It also reports the resident memory with all rows loaded.
func BenchmarkOpen100kFirstPaint(b *testing.B) {
	env, id := bigWorkspace(b)
	test.NewTempApp(b)
	tasksFirst := func(s *Screen) {
		for _, t := range s.tools {
			if t.Name == "Tasks" && s.tool != t {
				s.selectTool(t)
			}
		}
	}
	var full time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		ws, _ := env.Backend.Open(id)
		q := &loop.Queue{}
		w := test.NewWindow(nil)
		w.Resize(fyne.NewSize(1200, 760))
		s := New(ws, w, Options{UI: q.Do})
		w.SetContent(s.Content())
		ctx, cancel := context.WithCancel(context.Background())
		s.Start(ctx)
		q.Settle(s.Loop()) // tools loaded, Contacts shown
		b.StartTimer()
		t0 := time.Now()
		tasksFirst(s)
		for s.data.Len() == 0 || s.tool.Name != "Tasks" {
			q.Run()
			time.Sleep(100 * time.Microsecond)
		}
		w.Canvas().Capture()
		b.StopTimer()
		for s.view.loading || s.view.total < benchRecords {
			q.Run()
			time.Sleep(time.Millisecond)
		}
		full += time.Since(t0)
		if i == b.N-1 {
			b.ReportMetric(float64(rssKB("VmRSS"))/1024, "MB-rss-open")
			b.ReportMetric(float64(rssKB("VmHWM"))/1024, "MB-peak-rss")
		}
		s.Close()
		s.Wait()
		cancel()
		w.Close()
	}
	b.ReportMetric(float64(full.Milliseconds())/float64(b.N), "ms-all-rows")
}

// BenchmarkScrollFrame100k measures the data access of one screen of rows
// (40 rows × every column, texts and marks) at random scroll positions of
// a sorted, filtered view of 100,000 records: what the table asks for per
// frame while scrolling.
func BenchmarkScrollFrame100k(b *testing.B) {
	env, id := bigWorkspace(b)
	ws, _ := env.Backend.Open(id)
	tasks, _ := env.Store.FindTool(id, "Tasks")
	rs := newRowSet(tasks)
	err := ws.Scan(context.Background(), tasks, 4096, func(batch []model.Row) error { rs.add(batch); return nil })
	if err != nil {
		b.Fatal(err)
	}
	v := rs.view(query{sortCol: 0, sortDir: -1, filterCol: -1, search: "task"}, false, nil)
	d := &tableData{v: v, seen: map[uuid.UUID]bool{}}
	rng := rand.New(rand.NewPCG(1, 2))
	cols := len(tasks.Fields)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		top := rng.IntN(d.Len() - 40)
		for r := top; r < top+40; r++ {
			_ = d.Mark(r)
			for c := 0; c < cols; c++ {
				_ = d.Text(r, c)
			}
		}
	}
}

// BenchmarkSortSearch100k measures recomputing the view of 100,000 rows
// for a new sort or search, done on the controller, off the Fyne thread.
func BenchmarkSortSearch100k(b *testing.B) {
	env, id := bigWorkspace(b)
	ws, _ := env.Backend.Open(id)
	tasks, _ := env.Store.FindTool(id, "Tasks")
	rs := newRowSet(tasks)
	ws.Scan(context.Background(), tasks, 4096, func(batch []model.Row) error { rs.add(batch); return nil })
	rs.view(query{search: "x", filterCol: -1}, false, nil) // build the search index
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rs.view(query{sortCol: i % 6, sortDir: 1, search: "shipment 1", filterCol: -1}, false, nil)
	}
}

// BenchmarkPeakRSS100k reports the peak resident memory of a fresh process
// that opens the workspace window on 100,000 records and loads them all:
// the data set is written here, then a child process (this test binary
// running TestRSSChild) opens it, so building it does not count.
func BenchmarkPeakRSS100k(b *testing.B) {
	env, id := bigWorkspace(b)
	dir := b.TempDir()
	// Copy the store file: the parent keeps its own open.
	src, err := os.ReadFile(env.Store.Path())
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(dir+"/grove.db", src, 0o600); err != nil {
		b.Fatal(err)
	}
	src = nil
	var peaks, paints []int
	for i := 0; i < b.N; i++ {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestRSSChild$", "-test.count", "1")
		cmd.Env = append(os.Environ(), "GROVE_RSS_DATA="+dir, "GROVE_RSS_WS="+id.String())
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("child: %v\n%s", err, out)
		}
		var kb, openMS int
		for _, l := range strings.Split(string(out), "\n") {
			fmt.Sscanf(l, "RSS %d %d", &kb, &openMS)
		}
		peaks, paints = append(peaks, kb), append(paints, openMS)
	}
	// Medians over the children (the machine is shared), and the worst.
	slices.Sort(peaks)
	slices.Sort(paints)
	b.ReportMetric(float64(peaks[len(peaks)/2])/1024, "MB-peak-rss")
	b.ReportMetric(float64(peaks[len(peaks)-1])/1024, "MB-peak-rss-max")
	b.ReportMetric(float64(paints[len(paints)/2]), "ms-first-paint-fresh")
}

// TestRSSChild is the child of BenchmarkPeakRSS100k; it does nothing in
// a normal test run.
func TestRSSChild(t *testing.T) {
	dir, wsID := os.Getenv("GROVE_RSS_DATA"), os.Getenv("GROVE_RSS_WS")
	if dir == "" {
		t.Skip("child of BenchmarkPeakRSS100k")
	}
	apptest.Setup(t)
	test.NewTempApp(t)
	st, err := replica.Open(dir, replica.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	be := local.New(st)
	ws, err := be.Open(uuid.MustParse(wsID))
	if err != nil {
		t.Fatal(err)
	}
	q := &loop.Queue{}
	w := test.NewWindow(nil)
	w.Resize(fyne.NewSize(1200, 760))
	s := New(ws, w, Options{UI: q.Do})
	w.SetContent(s.Content())
	t0 := time.Now()
	s.Start(context.Background())
	q.Settle(s.Loop())
	for _, tl := range s.tools {
		if tl.Name == "Tasks" {
			s.selectTool(tl)
		}
	}
	for s.data.Len() == 0 || s.tool.Name != "Tasks" {
		q.Run()
		time.Sleep(100 * time.Microsecond)
	}
	w.Canvas().Capture()
	first := time.Since(t0)
	for s.view.loading || s.view.total < benchRecords {
		q.Run()
		time.Sleep(time.Millisecond)
	}
	w.Canvas().Capture()
	fmt.Printf("RSS %d %d\n", rssKB("VmHWM"), first.Milliseconds())
	s.Close()
	s.Wait()
}
