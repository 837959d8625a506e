package replica

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/google/uuid"
	"github.com/grove-team/grove/schema"
)

var fTag = fid("contacts", "tag")

// tagPool is every choice the harness's Tag field may have; Customer is
// never removed, so a record can always be fixed with it.
var tagPool = []string{"Customer", "Supplier", "Friend", "Partner"}

// newDesignHarness is the convergence harness with two managers (r0, r1)
// who change the design while everyone edits records: fields added, Count
// retyped between text and number (every value converts), Tag choices
// removed and added back.
func newDesignHarness(t *testing.T, seed uint64, n int) *harness {
	h := newHarness(t, seed, n)
	h.designs = true
	r0 := h.stores[0]
	if _, err := r0.ApplyDesign(h.ws.ID, withCount(schema.Text)); err != nil {
		t.Fatal(err)
	}
	d1, _ := h.stores[1].Device()
	if err := r0.PutMember(h.ws.ID, Member{Device: d1.ID, Name: d1.Name, Role: RoleManager}); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < n; i++ {
		syncScope(t, r0, h.stores[i], h.ws.ID, ScopeDesign, 5, -1)
	}
	return h
}

// localTool is the harness tool as replica s shows it.
func (h *harness) localTool(s *Store) *schema.Tool {
	tools, err := s.Tools(h.ws.ID)
	if err != nil {
		h.t.Fatal(err)
	}
	return tools[slices.IndexFunc(tools, func(t *schema.Tool) bool { return t.ID == h.tool.ID })]
}

// fitting returns values of Count and Tag valid under t.
func (h *harness) fitting(t *schema.Tool) map[uuid.UUID]schema.Value {
	out := map[uuid.UUID]schema.Value{}
	n := h.rng.IntN(1000)
	if f, _ := t.FieldByID(fCount); f.Type == schema.Number {
		out[fCount] = schema.NumberValue(float64(n))
	} else {
		out[fCount] = schema.TextValue(strconv.Itoa(n))
	}
	if f, _ := t.FieldByID(fTag); len(f.Choices) > 0 {
		out[fTag] = schema.ChoiceValue(f.Choices[h.rng.IntN(len(f.Choices))])
	}
	return out
}

// putDesigned writes values, sometimes with Count and Tag. A record that
// holds values another design gave (a Tag choice removed here, a Count of
// the other type) is asked for fitting ones, as its next edit in the
// application would be.
func (h *harness) putDesigned(s *Store, id uuid.UUID, vals map[uuid.UUID]schema.Value) {
	t := h.localTool(s)
	if h.rng.IntN(3) == 0 {
		for f, v := range h.fitting(t) {
			vals[f] = v
		}
	}
	_, err := s.PutRecord(h.ws.ID, h.tool.ID, id, vals)
	var ve *schema.ValidationError
	if errors.As(err, &ve) {
		for f, v := range h.fitting(t) {
			vals[f] = v
		}
		_, err = s.PutRecord(h.ws.ID, h.tool.ID, id, vals)
	}
	if err != nil {
		h.t.Fatal(err)
	}
	// Their values are not tracked: a design's migration supersedes them.
	delete(vals, fCount)
	delete(vals, fTag)
}

// designStep has a manager change the design. A change its own records do
// not fit is refused and recorded, as in the application.
func (h *harness) designStep() (committed bool) {
	i := h.rng.IntN(2)
	s := h.stores[i]
	t := h.localTool(s).Clone()
	switch op := h.rng.IntN(3); op {
	case 0:
		h.seq++
		t.Fields = append(t.Fields, schema.Field{ID: uuid.New(), Name: fmt.Sprintf("Extra %d", h.seq), Type: schema.Text})
	case 1:
		f, _ := t.FieldByID(fCount)
		f.Type = map[schema.FieldType]schema.FieldType{schema.Text: schema.Number, schema.Number: schema.Text}[f.Type]
	case 2:
		f, _ := t.FieldByID(fTag)
		c := tagPool[1+h.rng.IntN(len(tagPool)-1)]
		if j := slices.Index(f.Choices, c); j >= 0 {
			f.Choices = slices.Delete(f.Choices, j, j+1)
		} else {
			f.Choices = append(f.Choices, c)
		}
	}
	rep, err := s.ApplyDesign(h.ws.ID, t)
	h.logf("r%d design: %s: %v", i, rep.Diff, err)
	if err != nil && !errors.Is(err, ErrDesignRejected) && !errors.Is(err, schema.ErrInvalidDesign) {
		h.t.Fatal(err)
	}
	return err == nil && !rep.Diff.Empty()
}

// fixRefused fixes, on every replica that refused a peer's design, the
// records the rejection names, as their owner would; it reports whether
// any replica still holds a refused design.
func (h *harness) fixRefused() bool {
	pending := false
	for i, s := range h.stores {
		if heldVersions(h.t, s, h.ws.ID) == 0 {
			continue
		}
		pending = true
		rejs, err := s.DesignRejections(h.ws.ID)
		if err != nil {
			h.t.Fatal(err)
		}
		for _, r := range rejs {
			if r.Source != sourcePeer {
				continue
			}
			for _, p := range r.Problems {
				h.logf("r%d fixes %s: %s", i, p.Record, p)
				if p.Record != uuid.Nil {
					vals := h.fitting(h.localTool(s))
					vals[fTag] = schema.ChoiceValue("Customer")
					h.put(s, p.Record, vals)
				}
			}
		}
	}
	return pending
}

func TestConvergenceWithDesigns(t *testing.T) {
	seeds := []uint64{}
	if *convergeSeed != 0 {
		seeds = append(seeds, *convergeSeed)
	} else {
		for i := 1; i <= *convergeSeeds; i++ {
			seeds = append(seeds, uint64(100+i))
		}
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Logf("seed %d (rerun with -converge.seed=%d)", seed, seed)
			h := newDesignHarness(t, seed, 5)
			refused, designs, heldSteps := 0, 0, 0
			for i := 0; i < *convergeSteps; i++ {
				if h.rng.IntN(100) < 8 {
					if h.designStep() {
						designs++
					}
				} else {
					h.step()
				}
				for _, s := range h.stores {
					if heldVersions(t, s, h.ws.ID) > 0 {
						heldSteps++
						break
					}
				}
			}
			h.heal()
			for round := 0; h.fixRefused(); round++ {
				refused++
				if round == 5 {
					t.Fatal("replicas still refuse designs after 5 rounds of fixes")
				}
				h.heal()
			}
			h.check()
			tools := sameDesign(t, h.stores[0], h.stores[1], h.ws.ID)
			if err := tools[0].Check(); err != nil {
				t.Logf("merged design: %v", err)
			}
			t.Logf("%d design changes committed; a replica refused a peer's design for %d of %d steps; rounds of fixes: %d",
				designs, heldSteps, *convergeSteps, refused)
		})
	}
}
