package replica

import (
	"testing"

	"github.com/grove-team/grove/schema"
)

// BenchmarkApplyPeerDesign times applying design-scope batches from a
// manager to a replica holding 10,000 contacts: batches that change no tool
// (items already held, a member's role) must not look at a record; a
// retype checks every record of the tool.
func BenchmarkApplyPeerDesign(b *testing.B) {
	a := openTestStore(b, "manager")
	ws := newWorkspace(b, a)
	fill(b, a, ws.ID, 10_000, 5000)
	dst := joined(b, a, ws, "dst")
	other := openTestStore(b, "other")
	invite(b, a, other, ws, RoleGuest)
	da, _ := a.Device()
	do, _ := other.Device()
	apply := func(b *testing.B, k Knowledge) ApplyResult {
		e, err := a.NewEnumerator(ws.ID, ScopeDesign, k)
		if err != nil {
			b.Fatal(err)
		}
		var sum ApplyResult
		for {
			bt, err := e.Next(100, 1<<20)
			if err != nil {
				b.Fatal(err)
			}
			if bt == nil {
				return sum
			}
			res, err := dst.Apply(ws.ID, ScopeDesign, da.ID, bt)
			if err != nil || res.DesignsRefused != 0 {
				b.Fatal(res, err)
			}
			sum.Applied += res.Applied
		}
	}
	b.Run("unchanged", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			apply(b, Knowledge{}) // every tool and member again
		}
	})
	b.Run("member", func(b *testing.B) {
		b.ReportAllocs()
		roles := []Role{RoleGuest, RoleParticipant}
		for i := 0; b.Loop(); i++ {
			b.StopTimer()
			if err := a.PutMember(ws.ID, Member{Device: do.ID, Name: "other", Role: roles[(i+1)%2]}); err != nil {
				b.Fatal(err)
			}
			k, _ := dst.Knowledge(ws.ID, ScopeDesign)
			b.StartTimer()
			if res := apply(b, k); res.Applied == 0 {
				b.Fatal("nothing applied")
			}
		}
	})
	b.Run("retype", func(b *testing.B) {
		b.ReportAllocs()
		designs := []*schema.Tool{
			contactsWith(func(t *schema.Tool) {
				f := field(t, "City")
				f.Type, f.Choices = schema.Choice, []string{"Lisbon", "Oslo", "Quito", "Perth"}
			}),
			testContacts(),
		}
		for i := 0; b.Loop(); i++ {
			b.StopTimer()
			if _, err := a.ApplyDesign(ws.ID, designs[i%2]); err != nil {
				b.Fatal(err)
			}
			k, _ := dst.Knowledge(ws.ID, ScopeDesign)
			b.StartTimer()
			if res := apply(b, k); res.Applied == 0 {
				b.Fatal("nothing applied")
			}
		}
	})
}
