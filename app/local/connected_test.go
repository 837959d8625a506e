package local

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/grove-team/grove/app/model"
	"github.com/grove-team/grove/replica"
)

func TestConnectRefusesBadInputAndUnreachableServer(t *testing.T) {
	s, err := replica.Open(t.TempDir(), replica.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Check(); err != nil {
			t.Errorf("store consistency: %v", err)
		}
		s.Close()
	})
	// One attempt, no retries: the closed port below refuses at once.
	b := New(s, WithConnectRetry(time.Nanosecond))
	id, err := b.Welcome("Ana")
	if err != nil {
		t.Fatal(err)
	}
	ws, err := b.Open(id)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "https://" + ln.Addr().String()
	ln.Close()

	for _, tc := range []struct {
		name string
		req  model.ConnectRequest
		want error
		says string
	}{
		{"no server", model.ConnectRequest{Token: "t"}, model.ErrInvalid, "server's address"},
		{"no token", model.ConnectRequest{Server: closed}, model.ErrInvalid, "access token"},
		{"bad fingerprint", model.ConnectRequest{Server: closed, Token: "t", Fingerprint: "12:34"}, model.ErrInvalid, "not a SHA-256 fingerprint"},
		{"unreachable", model.ConnectRequest{Server: closed, Token: "t"}, model.ErrServerUnreachable, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ws.Connect(context.Background(), tc.req)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("err = %v, want %v saying %q", err, tc.want, tc.says)
			}
			if _, ok, _ := ws.Connection(); ok {
				t.Fatal("bound after a failed connect")
			}
			if info, _ := ws.Info(); info.Connected {
				t.Fatal("info says connected")
			}
		})
	}
	if err := ws.DiscardRefused(model.Refused{Key: "nothing/here"}); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("discarding an unknown refused change: %v", err)
	}
}
