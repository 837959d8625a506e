package session_test

import (
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/schema"
)

// BenchmarkInitialSync measures a first two-way session of n records over
// real TLS on loopback, both stores with fsync.
func BenchmarkInitialSync(b *testing.B) {
	for _, n := range []int{10_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				a, _ := replica.Open(b.TempDir(), replica.Options{})
				c, _ := replica.Open(b.TempDir(), replica.Options{})
				a.Init("a")
				c.Init("c")
				ct := contactsTool()
				ws, _ := a.CreateWorkspace("Team", ct)
				var recs []map[uuid.UUID]schema.Value
				for j := 0; j < n; j++ {
					r := map[uuid.UUID]schema.Value{}
					for k, f := range ct.Fields {
						r[f.ID] = schema.TextValue(fmt.Sprintf("%s value %d-%d", f.Name, j, k))
					}
					recs = append(recs, r)
				}
				if _, err := a.PutRecords(ws.ID, ct.ID, recs); err != nil {
					b.Fatal(err)
				}
				da, _ := a.Device()
				dc, _ := c.Device()
				a.PutMember(ws.ID, replica.Member{Device: dc.ID, Name: "c", Role: replica.RoleParticipant})
				c.JoinWorkspace(ws.ID, ws.Name, da.ID)
				h := connect(b, tlsLink, c, a)
				b.StartTimer()
				if _, err := h.sync(ws.ID, replica.Both); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				h.close()
				a.Close()
				c.Close()
			}
		})
	}
}

// contactsTool has eight text fields, like the contacts workload.
func contactsTool() *schema.Tool {
	t := &schema.Tool{ID: uuid.New(), Name: "Contacts"}
	for _, name := range []string{"Name", "Email", "Phone", "Company", "Title", "City", "Notes", "Tag"} {
		t.Fields = append(t.Fields, schema.Field{ID: uuid.New(), Name: name, Type: schema.Text})
	}
	return t
}
