package replica

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/grove-team/grove/schema"
)

// The crash test re-executes the test binary as a writer child: it puts
// records in a loop with fsync on, printing each record's ID after its
// commit returns (the acknowledgement). The parent kills it with SIGKILL at
// a random moment, reopens the store, checks it, and finds every
// acknowledged record.
const crashChildEnv = "GROVE_CRASH_CHILD_DIR"

func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashChildEnv)
	if dir == "" {
		t.Skip("only runs as the crash test's child process")
	}
	s, err := Open(dir, Options{})
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(2)
	}
	ws, err := s.FindWorkspace("Crash")
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(2)
	}
	out := bufio.NewWriter(os.Stdout)
	for i := 0; ; i++ {
		name := fmt.Sprintf("c%d-%d", os.Getpid(), i)
		vals := contact(i)
		vals[fName] = schema.TextValue(name)
		id, err := s.PutRecord(ws.ID, testContacts().ID, uuid.Nil, vals)
		if err != nil {
			fmt.Fprintln(out, "ERR", err)
			out.Flush()
			os.Exit(2)
		}
		fmt.Fprintln(out, "ACK", id, name)
		out.Flush()
	}
}

func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for seed := uint64(1); seed <= 5; seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			dir := t.TempDir()
			s, err := Open(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			s.Init("crash")
			if _, err := s.CreateWorkspace("Crash", testContacts()); err != nil {
				t.Fatal(err)
			}
			s.Close()
			acked := map[uuid.UUID]string{}
			// Two rounds: the second child writes into the store the first
			// one left behind.
			for round := 0; round < 2; round++ {
				runCrashChild(t, exe, dir, time.Duration(20+rng.IntN(200))*time.Millisecond, acked)
			}
			s, err = Open(dir, Options{})
			if err != nil {
				t.Fatalf("reopen after kill: %v", err)
			}
			defer s.Close()
			if err := s.Check(); err != nil {
				t.Fatalf("consistency after kill: %v", err)
			}
			ws, _ := s.FindWorkspace("Crash")
			for id, name := range acked {
				r, err := s.Record(ws.ID, id)
				if err != nil {
					t.Fatalf("acknowledged record %s lost: %v", name, err)
				}
				if got := r.Value(fName).Text(); got != name {
					t.Fatalf("record %s holds %q, want %q", id, got, name)
				}
			}
			if len(acked) == 0 {
				t.Fatal("the child acknowledged nothing before the kill")
			}
			t.Logf("seed %d: %d acknowledged writes survived", seed, len(acked))
		})
	}
}

func runCrashChild(t *testing.T, exe, dir string, after time.Duration, acked map[uuid.UUID]string) {
	t.Helper()
	cmd := exec.Command(exe, "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1024)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	// The kill comes a random time after the child's first write, not
	// after its start: a child slow to start (under -race, on a loaded
	// machine) must still be killed while it writes.
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	started, killed := false, false
	for !killed {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("child ended before the kill")
			}
			record(t, l, acked)
			if !started {
				started = true
				timer.Reset(after)
			}
		case <-timer.C:
			cmd.Process.Signal(syscall.SIGKILL)
			killed = true
		}
	}
	for l := range lines {
		record(t, l, acked)
	}
	cmd.Wait()
}

func record(t *testing.T, line string, acked map[uuid.UUID]string) {
	f := strings.Fields(line)
	switch {
	case len(f) == 3 && f[0] == "ACK":
		acked[uuid.MustParse(f[1])] = f[2]
	case len(f) > 0 && f[0] == "ERR":
		t.Fatalf("child: %s", line)
	}
}
