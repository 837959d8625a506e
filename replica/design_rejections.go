package replica

import (
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/grove-team/grove/schema"
	bolt "go.etcd.io/bbolt"
)

// wsDesignRejections, in a workspace's bucket, holds the last refused
// design change of each tool: tool ID (16) -> rejection (below), and the
// bucket "held" of the versions refused peer designs carried
// (design_peer.go). It is created by the first rejection and cleared per
// tool when a design of that tool commits.
var wsDesignRejections = []byte("design-rejections")

// DesignRejection is a refused design change as recorded: the replica
// kept its design and waits for the next one.
type DesignRejection struct {
	Tool uuid.UUID `json:"tool"`
	Name string    `json:"name"`
	At   time.Time `json:"at"`
	// Source says where the design came from: "local" for this device's
	// own edit, "server" or "peer" for designs that arrived.
	Source       string          `json:"source"`
	ProblemCount int             `json:"problemCount"`
	Problems     []DesignProblem `json:"problems"`
}

// Rejection encoding:
//
//	byte     format (1)
//	string   tool name
//	varint   time, Unix milliseconds
//	string   source
//	uvarint  problem count (all), uvarint listed (<= MaxReportedProblems)
//	per listed problem: [16]byte record, [16]byte field, string field name,
//	                    string rule, string message
const rejectionFormat = 1

func encodeRejection(r DesignRejection) []byte {
	e := encoder{}
	e.byte1(rejectionFormat)
	e.str(r.Name)
	e.varint(r.At.UnixMilli())
	e.str(r.Source)
	e.uvarint(uint64(r.ProblemCount))
	e.uvarint(uint64(len(r.Problems)))
	for _, p := range r.Problems {
		e.uuid(p.Record)
		e.uuid(p.Field)
		e.str(p.FieldName)
		e.str(p.Rule)
		e.str(p.Msg)
	}
	return e.b
}

func decodeRejection(tool uuid.UUID, b []byte) (DesignRejection, error) {
	d := decoder{b: b}
	if d.byte1() != rejectionFormat {
		d.fail("unknown rejection format")
	}
	r := DesignRejection{Tool: tool, Name: d.str(), At: time.UnixMilli(d.varint()).UTC(), Source: d.str(),
		ProblemCount: int(min(d.uvarint(), 1<<31))}
	n := d.uvarint()
	if n > MaxReportedProblems {
		d.fail("too many problems")
		n = 0
	}
	for range n {
		r.Problems = append(r.Problems, DesignProblem{Record: d.uuid(), Field: d.uuid(), FieldName: d.str(), Rule: d.str(), Msg: d.str()})
	}
	if err := d.done(); err != nil {
		return DesignRejection{}, fmt.Errorf("decode design rejection: %w", err)
	}
	return r, nil
}

// recordRejections stores the rejected reports, in their own transaction
// (the refused change itself wrote nothing).
func (s *Store) recordRejections(ws uuid.UUID, reports []DesignReport, source string) error {
	return s.db.Update(func(tx *bolt.Tx) error { return putRejections(tx, ws, reports, source, s.now()) })
}

// putRejections stores the rejected reports inside tx.
func putRejections(tx *bolt.Tx, ws uuid.UUID, reports []DesignReport, source string, at time.Time) error {
	at = at.UTC().Truncate(time.Millisecond)
	wb, err := workspaceBucket(tx, ws)
	if err != nil {
		return err
	}
	b, err := wb.CreateBucketIfNotExists(wsDesignRejections)
	if err != nil {
		return fmt.Errorf("record design rejection: %w", err)
	}
	for _, r := range reports {
		if !r.Rejected {
			continue
		}
		rej := DesignRejection{Tool: r.Tool, Name: r.Name, At: at, Source: source, ProblemCount: r.ProblemCount, Problems: r.Problems}
		if err := b.Put(r.Tool[:], encodeRejection(rej)); err != nil {
			return fmt.Errorf("record design rejection: %w", err)
		}
	}
	return nil
}

// clearRejections forgets the rejections of tools whose design committed.
func clearRejections(tx *bolt.Tx, ws uuid.UUID, tools []*schema.Tool) error {
	wb, err := workspaceBucket(tx, ws)
	if err != nil {
		return err
	}
	b := wb.Bucket(wsDesignRejections)
	if b == nil {
		return nil
	}
	for _, t := range tools {
		if err := b.Delete(t.ID[:]); err != nil {
			return err
		}
	}
	return nil
}

// DesignRejections lists the last refused design change of each tool of a
// workspace that has one, in tool-ID order.
func (s *Store) DesignRejections(ws uuid.UUID) ([]DesignRejection, error) {
	var out []DesignRejection
	err := s.db.View(func(tx *bolt.Tx) error {
		wb, err := workspaceBucket(tx, ws)
		if err != nil {
			return err
		}
		b := wb.Bucket(wsDesignRejections)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			if v == nil {
				return nil // the held versions of refused peer designs
			}
			if len(k) != 16 {
				return fmt.Errorf("design rejection key %x: %w", k, ErrCorrupt)
			}
			r, err := decodeRejection(uuid.UUID(k), v)
			if err != nil {
				return err
			}
			out = append(out, r)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list design rejections: %w", err)
	}
	return out, nil
}
