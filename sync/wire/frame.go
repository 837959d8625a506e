package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// MaxFrame bounds one frame, type byte included.
const MaxFrame = 16 << 20

// Errors of the wire format.
var (
	// ErrFrameTooLarge is returned for a frame over MaxFrame.
	ErrFrameTooLarge = errors.New("frame too large")
	// ErrMalformed is returned for bytes that do not decode.
	ErrMalformed = errors.New("malformed message")
)

// Message types.
const (
	TypeHello       byte = 1
	TypeSync        byte = 2
	TypeJoin        byte = 3
	TypeBatch       byte = 4
	TypeDone        byte = 5
	TypeAck         byte = 6
	TypeRefuse      byte = 7
	TypeAccepted    byte = 8
	TypeStatus      byte = 9
	TypeStatusReply byte = 10
)

// WriteFrame writes one frame.
func WriteFrame(w io.Writer, typ byte, body []byte) error {
	if len(body)+1 > MaxFrame {
		return fmt.Errorf("write frame of %d bytes: %w", len(body)+1, ErrFrameTooLarge)
	}
	buf := make([]byte, 5, 5+len(body))
	binary.BigEndian.PutUint32(buf, uint32(len(body)+1))
	buf[4] = typ
	if _, err := w.Write(append(buf, body...)); err != nil {
		return fmt.Errorf("write frame: %w", err)
	}
	return nil
}

// ReadFrame reads one frame and returns its type and body.
func ReadFrame(r io.Reader) (byte, []byte, error) {
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:4]); err != nil {
		return 0, nil, fmt.Errorf("read frame: %w", err)
	}
	n := binary.BigEndian.Uint32(hdr[:4])
	if n == 0 {
		return 0, nil, fmt.Errorf("read frame: empty frame: %w", ErrMalformed)
	}
	if n > MaxFrame {
		return 0, nil, fmt.Errorf("read frame of %d bytes: %w", n, ErrFrameTooLarge)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return 0, nil, fmt.Errorf("read frame: %w", err)
	}
	return body[0], body[1:], nil
}

// FrameHeader starts a frame in b: room for the length, then the type.
// Append the body, then write it with WriteEncoded.
func FrameHeader(b []byte, typ byte) []byte {
	return append(b, 0, 0, 0, 0, typ)
}

// WriteEncoded fills in the length of a frame built with FrameHeader and
// writes it.
func WriteEncoded(w io.Writer, frame []byte) error {
	n := len(frame) - 4
	if n > MaxFrame {
		return fmt.Errorf("write frame of %d bytes: %w", n, ErrFrameTooLarge)
	}
	binary.BigEndian.PutUint32(frame, uint32(n))
	if _, err := w.Write(frame); err != nil {
		return fmt.Errorf("write frame: %w", err)
	}
	return nil
}
