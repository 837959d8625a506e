package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// SocketName is the control socket's file name in the data folder.
const SocketName = "grove.sock"

// controlRequest and controlReply are one exchange on the control socket:
// a JSON object each way, one per connection.
type controlRequest struct {
	Args []string `json:"args"`
}

type controlReply struct {
	Stdout string `json:"stdout"`
	Stderr string `json:"stderr"`
	Code   int    `json:"code"`
}

// dataFlagOf finds --data in args the way the commands parse it.
func dataFlagOf(args []string) string {
	for i, a := range args {
		a = strings.TrimPrefix(a, "-")
		if a == "-data" || a == "data" {
			if i+1 < len(args) {
				return args[i+1]
			}
		} else if v, ok := strings.CutPrefix(a, "-data="); ok {
			return v
		} else if v, ok := strings.CutPrefix(a, "data="); ok {
			return v
		}
	}
	return ""
}

// forward hands a command to the instance running on the data folder;
// ok is false when none answers.
func forward(args []string, stdout, stderr io.Writer) (int, bool) {
	dir, err := DataDir(dataFlagOf(args))
	if err != nil {
		return 0, false
	}
	conn, err := net.DialTimeout("unix", filepath.Join(dir, SocketName), time.Second)
	if err != nil {
		return 0, false
	}
	defer conn.Close()
	if err := json.NewEncoder(conn).Encode(controlRequest{Args: args}); err != nil {
		return 0, false
	}
	var rep controlReply
	if err := json.NewDecoder(conn).Decode(&rep); err != nil {
		fmt.Fprintf(stderr, "grove: the running instance did not answer: %v\n", err)
		return 1, true
	}
	io.WriteString(stdout, rep.Stdout)
	io.WriteString(stderr, rep.Stderr)
	return rep.Code, true
}

// ServeControl answers commands on the data folder's control socket until
// ctx ends, running each with env. The socket is owner-only (0600, in the
// 0700 data folder). A stale socket left by a killed instance is replaced.
func ServeControl(ctx context.Context, dir string, env *Env) error {
	path := filepath.Join(dir, SocketName)
	if c, err := net.DialTimeout("unix", path, 500*time.Millisecond); err == nil {
		c.Close()
		return fmt.Errorf("control socket %s: another Grove instance is running", path)
	}
	os.Remove(path)
	l, err := net.Listen("unix", path)
	if err != nil {
		return fmt.Errorf("control socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		l.Close()
		return fmt.Errorf("control socket: %w", err)
	}
	go func() { <-ctx.Done(); l.Close() }()
	defer os.Remove(path)
	for {
		conn, err := l.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("control socket: %w", err)
		}
		go serveControl(conn, env)
	}
}

// serveControl runs one forwarded command. Commands run side by side, as
// they would from several shells: the store serialises writers, and a slow
// one (a sync with a partner that went quiet) does not hold up the rest.
func serveControl(conn net.Conn, env *Env) {
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Minute))
	var req controlRequest
	if err := json.NewDecoder(io.LimitReader(conn, 1<<20)).Decode(&req); err != nil || len(req.Args) == 0 {
		return
	}
	var out, errb bytes.Buffer
	code := run(req.Args, &out, &errb, env)
	json.NewEncoder(conn).Encode(controlReply{Stdout: out.String(), Stderr: errb.String(), Code: code})
}
