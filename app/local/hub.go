package local

import (
	"context"
	"sync"

	"github.com/grove-team/grove/app/model"
)

// subscriptionBuffer bounds each subscriber's queue. A subscriber that
// falls further behind gets one model.Resync instead of what it missed.
const subscriptionBuffer = 256

// hub fans events out to subscribers without ever blocking the publisher.
type hub struct {
	mu   sync.Mutex
	subs map[*subscriber]struct{}
}

type subscriber struct {
	ch      chan model.Event
	overrun bool // guarded by hub.mu
	filter  func(model.Event) bool
}

// subscribe registers a subscriber until ctx ends; the channel is closed
// then.
func (h *hub) subscribe(ctx context.Context, filter func(model.Event) bool) <-chan model.Event {
	s := &subscriber{ch: make(chan model.Event, subscriptionBuffer), filter: filter}
	h.mu.Lock()
	if h.subs == nil {
		h.subs = make(map[*subscriber]struct{})
	}
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	context.AfterFunc(ctx, func() {
		h.mu.Lock()
		delete(h.subs, s)
		close(s.ch)
		h.mu.Unlock()
	})
	return s.ch
}

// publish delivers e to every interested subscriber. A full queue turns
// into a single Resync event once there is room again.
func (h *hub) publish(e model.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		if s.filter != nil && !s.filter(e) {
			continue
		}
		if s.overrun {
			select {
			case s.ch <- model.Event{Kind: model.Resync, Workspace: e.Workspace}:
				s.overrun = false
			default:
			}
			continue
		}
		select {
		case s.ch <- e:
		default:
			s.overrun = true
		}
	}
}
