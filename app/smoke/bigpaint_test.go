package smoke

import (
	"encoding/csv"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// bigRecords is the size of the workspace TestFirstPaint100k opens.
const bigRecords = 100_000

// rowsPainted is how many distinct colours the record table region holds
// once rows of text are drawn: an empty table has about 25 (background,
// grid, scroll bar), one row of anti-aliased text a few hundred.
const rowsPainted = 100

// distinctColours counts the distinct colours of a raw RGB capture.
func distinctColours(rgb []byte) int {
	seen := map[[3]byte]bool{}
	for i := 0; i+2 < len(rgb); i += 3 {
		seen[[3]byte{rgb[i], rgb[i+1], rgb[i+2]}] = true
	}
	return len(seen)
}

// writeContactsCSV writes n contacts as CSV for `grove record import`.
func writeContactsCSV(path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write([]string{"Name", "Email", "Phone", "Company", "City"})
	for i := range n {
		w.Write([]string{fmt.Sprintf("Person %06d", i), fmt.Sprintf("p%d@example.com", i),
			fmt.Sprintf("+1 555 %07d", i), fmt.Sprintf("Company %d", i%997), fmt.Sprintf("City %d", i%101)})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

// TestFirstPaint100k opens a workspace of 100,000 contacts in a fresh
// grove process under Xvfb and logs how long the first paint takes: from
// the process start to the welcome, and from Return on the welcome (which
// opens the device's only workspace) to the first capture of the window
// with rows in its record table, then until the window stops changing
// (every row read). The figures, with the peak resident memory, go to
// first-paint.txt beside the screenshots; only that the rows appear at
// all, within a minute, is asserted.
func TestFirstPaint100k(t *testing.T) {
	needX(t)
	s := &session{t: t, display: display(t), bin: buildGrove(t), data: t.TempDir(), art: artifacts(t)}
	rows := filepath.Join(t.TempDir(), "contacts.csv")
	if err := writeContactsCSV(rows, bigRecords); err != nil {
		t.Fatal(err)
	}
	s.grove("init", "--name", "Big desk")
	s.grove("workspace", "create", "Big team", "--template", "contacts")
	imported := time.Now()
	out := s.grove("record", "import", "--ws", "Big team", "--tool", "Contacts", "--format", "csv", rows)
	if !strings.Contains(out, fmt.Sprint(bigRecords)) {
		t.Fatalf("grove record import: %q, want %d records imported", out, bigRecords)
	}
	t.Logf("imported %d contacts in %v", bigRecords, time.Since(imported).Round(time.Millisecond))

	started := time.Now()
	app := s.start()
	home := s.window("^Grove$")
	s.settled(home, "01-welcome.png", nil, image.Rectangle{}, 30*time.Second)
	welcome := time.Since(started)

	opened := time.Now()
	s.x(5*time.Second, "xdotool", "key", "Return")
	win := s.window("Big team")
	var first time.Duration
	captures := 0
	for {
		rgb, err := s.grabRGB(win, recordTable)
		captures++
		if err == nil && distinctColours(rgb) >= rowsPainted {
			first = time.Since(opened)
			break
		}
		if time.Since(opened) > time.Minute {
			s.capture(win, filepath.Join(s.art, "no-rows.png"))
			t.Fatalf("no rows in the table of a %d-record workspace a minute after opening it (last capture: %v)", bigRecords, err)
		}
	}
	s.settled(win, "02-workspace.png", nil, image.Rectangle{}, 2*time.Minute)
	all := time.Since(opened)
	peak, err := vmHWM(app.cmd.Process.Pid)
	if err != nil {
		t.Logf("peak memory: %v", err)
	}

	figures := fmt.Sprintf("A fresh grove process opening a workspace of %d contacts (Xvfb, software GL):\n"+
		"process start to welcome painted: %v\n"+
		"Return on the welcome to the first rows on screen: %v (%d captures)\n"+
		"Return on the welcome to the window settled (every row read): %v\n"+
		"peak resident memory: %d MB\n",
		bigRecords, welcome.Round(time.Millisecond), first.Round(time.Millisecond), captures,
		all.Round(time.Millisecond), peak/1024)
	t.Log(figures)
	if err := os.WriteFile(filepath.Join(s.art, "first-paint.txt"), []byte(figures), 0o644); err != nil {
		t.Errorf("write figures: %v", err)
	}
	s.quit(win, app)
}
