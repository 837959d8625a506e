package session_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/schema"
)

// cityType returns the type of the City field as s shows it.
func cityType(t *testing.T, s *replica.Store, ws uuid.UUID) schema.FieldType {
	t.Helper()
	tools, err := s.Tools(ws)
	if err != nil || len(tools) != 1 {
		t.Fatalf("tools %v, %v", tools, err)
	}
	f, _ := tools[0].FieldByID(fCity)
	return f.Type
}

// A manager's design that a participant's own records do not fit is
// refused there, over a real session, without stopping the data; once the
// record is fixed, the next session applies it.
func TestPeerDesignRefusedThenApplied(t *testing.T) {
	forEachLink(t, func(t *testing.T, mk link) {
		a, b := openStore(t, "a"), openStore(t, "b")
		ws := team(t, a, b, replica.RoleParticipant, 5)
		h := connect(t, mk, b, a)
		defer h.close()
		if _, err := h.sync(ws.ID, replica.Both); err != nil {
			t.Fatal(err)
		}
		bad, err := b.PutRecord(ws.ID, toolID, uuid.Nil, rec("At b", "Bergen"))
		if err != nil {
			t.Fatal(err)
		}
		choice := tool()
		choice.Fields[1].Type, choice.Fields[1].Choices = schema.Choice, []string{"Oslo"}
		if _, err := a.ApplyDesign(ws.ID, choice); err != nil {
			t.Fatal(err)
		}
		if _, err := h.sync(ws.ID, replica.Both); err != nil {
			t.Fatalf("the session must go on past a refused design: %v", err)
		}
		if cityType(t, b, ws.ID) != schema.Text {
			t.Fatal("b applied a design its record does not fit")
		}
		rejs, _ := b.DesignRejections(ws.ID)
		if len(rejs) != 1 || rejs[0].Source != "peer" || rejs[0].Problems[0].Record != bad {
			t.Fatalf("rejections %+v", rejs)
		}
		equalRecords(t, a, b, ws.ID) // the data scope synced both ways
		if _, err := b.PutRecord(ws.ID, toolID, bad, map[uuid.UUID]schema.Value{fCity: schema.TextValue("Oslo")}); err != nil {
			t.Fatal(err)
		}
		if _, err := h.sync(ws.ID, replica.Both); err != nil {
			t.Fatal(err)
		}
		if cityType(t, b, ws.ID) != schema.Choice {
			t.Fatal("the design was not offered again, or not applied")
		}
		if rejs, _ := b.DesignRejections(ws.ID); len(rejs) != 0 {
			t.Fatalf("rejections left %+v", rejs)
		}
	})
}
