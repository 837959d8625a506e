package replica

import (
	"sync"
	"time"
)

// HLC is a hybrid-logical-clock timestamp: the upper 48 bits are wall-clock
// milliseconds since the Unix epoch, the lower 16 bits a logical counter that
// orders events within one millisecond and across clock skew. Comparing two
// HLC values as integers orders them causally-consistently.
type HLC uint64

// Time returns the wall-clock part of the timestamp.
func (h HLC) Time() time.Time { return time.UnixMilli(int64(h >> 16)).UTC() }

// hlcClock issues HLC timestamps. It is safe for concurrent use.
type hlcClock struct {
	mu   sync.Mutex
	now  func() time.Time
	last HLC
}

func newHLCClock(now func() time.Time) *hlcClock {
	if now == nil {
		now = time.Now
	}
	return &hlcClock{now: now}
}

// Now returns a timestamp greater than every timestamp this clock has issued
// or observed.
func (c *hlcClock) Now() HLC {
	c.mu.Lock()
	defer c.mu.Unlock()
	wall := HLC(uint64(c.now().UnixMilli()) << 16)
	if wall > c.last {
		c.last = wall
	} else {
		c.last++
	}
	return c.last
}

// Observe folds a timestamp seen from elsewhere into the clock, so later local
// timestamps order after it.
func (c *hlcClock) Observe(h HLC) {
	c.mu.Lock()
	if h > c.last {
		c.last = h
	}
	c.mu.Unlock()
}
