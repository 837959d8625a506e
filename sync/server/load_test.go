package server

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/grove-team/grove/schema/wireform"
)

// TestLoad: 20 concurrent clients each push 5,000 creates in batches of 250
// over TLS; every 10th batch is sent twice (a retry after a lost reply).
// Nothing may be lost or duplicated. Throughput and p99 batch latency are
// logged, not asserted. GROVE_LOAD_CLIENTS / GROVE_LOAD_UPDATES scale it.
func TestLoad(t *testing.T) {
	clients, perClient, batch := envInt("GROVE_LOAD_CLIENTS", 20), envInt("GROVE_LOAD_UPDATES", 5000), 250
	if testing.Short() {
		clients, perClient = 4, 500
	}
	st, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	admin, token, err := st.AddUser("load", "load@company.com", true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.PutList(List{Name: "Load", Fields: []Field{
		{Internal: "Title", Title: "Title", Kind: wireform.Text, Required: true},
		{Internal: "N", Title: "N", Kind: wireform.Number},
	}}); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	defer func() { cancel(); <-done }()
	url := "https://" + ln.Addr().String() + "/v1/lists/Load/batch"

	var mu sync.Mutex
	var lat []time.Duration
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
			defer hc.CloseIdleConnections()
			for b := 0; b < perClient/batch; b++ {
				ups := make([]Update, batch)
				for i := range ups {
					n := c*perClient + b*batch + i
					ups[i] = Update{Key: uuid.NewSHA1(uuid.Nil, []byte(strconv.Itoa(n))).String(),
						Values: map[string]string{"Title": fmt.Sprintf("item %d", n), "N": strconv.Itoa(n)}}
				}
				body, _ := json.Marshal(BatchRequest{Updates: ups})
				sends := 1
				if b%10 == 9 {
					sends = 2
				}
				for s := 0; s < sends; s++ {
					t0 := time.Now()
					req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+token)
					resp, err := hc.Do(req)
					if err != nil {
						errs <- err
						return
					}
					var rep BatchReply
					err = json.NewDecoder(resp.Body).Decode(&rep)
					resp.Body.Close()
					if err != nil || len(rep.Results) != batch {
						errs <- fmt.Errorf("client %d batch %d: %v, %d results", c, b, err, len(rep.Results))
						return
					}
					for _, r := range rep.Results {
						if r.Status != StatusAccepted {
							errs <- fmt.Errorf("refused: %+v", r)
							return
						}
					}
					mu.Lock()
					lat = append(lat, time.Since(t0))
					mu.Unlock()
				}
			}
		}(c)
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	total := clients * perClient
	seen := map[string]bool{}
	n := 0
	for since := int64(0); ; {
		rep, err := st.Changes(admin, "Load", since, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range rep.Items {
			n++
			seen[it.Values["N"]] = true
		}
		since, _ = strconv.ParseInt(rep.Token, 10, 64)
		if !rep.More {
			break
		}
	}
	if n != total || len(seen) != total {
		t.Fatalf("server holds %d items (%d distinct), want %d", n, len(seen), total)
	}
	slices.Sort(lat)
	p := func(q float64) time.Duration { return lat[int(q*float64(len(lat)-1))] }
	t.Logf("load: %d clients x %d updates (batches of %d, 10%% resent): %d items in %v = %.0f updates/s; batch latency p50 %v p99 %v max %v",
		clients, perClient, batch, total, elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds(), p(0.5), p(0.99), lat[len(lat)-1])
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
