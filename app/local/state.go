package local

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"time"

	"github.com/google/uuid"
)

// uiState is the app's own small state, kept in a JSON file beside the
// store: it is per data folder, like the store, and never synced.
type uiState struct {
	path string
	mu   sync.Mutex
	data uiStateData
	read bool
}

type uiStateData struct {
	Welcomed   bool                    `json:"welcomed"`
	LastLooked map[uuid.UUID]time.Time `json:"last_looked,omitempty"`
	// DiscardedRefused holds, per workspace, the keys of refused changes
	// dismissed from the list (see connected.go).
	DiscardedRefused map[uuid.UUID][]string `json:"discarded_refused,omitempty"`
}

func newUIState(path string) *uiState { return &uiState{path: path} }

// load reads the file once; a missing file is the zero state.
func (s *uiState) load() error {
	if s.read {
		return nil
	}
	b, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		s.read = true
		return nil
	}
	if err != nil {
		return fmt.Errorf("read app state: %w", err)
	}
	if err := json.Unmarshal(b, &s.data); err != nil {
		// A damaged state file only loses unread marks: start afresh.
		s.data = uiStateData{Welcomed: true}
	}
	s.read = true
	return nil
}

// update changes the state and writes it atomically.
func (s *uiState) update(fn func(*uiStateData)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.load(); err != nil {
		return err
	}
	fn(&s.data)
	b, err := json.MarshalIndent(s.data, "", "  ")
	if err != nil {
		return err
	}
	tmp := s.path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("write app state: %w", err)
	}
	if err := os.Rename(tmp, s.path); err != nil {
		return fmt.Errorf("write app state: %w", err)
	}
	return nil
}

// get returns a copy of part of the state.
func (s *uiState) get(fn func(*uiStateData)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.load(); err != nil {
		return err
	}
	fn(&s.data)
	return nil
}

func (s *uiState) welcomed() (bool, error) {
	var w bool
	err := s.get(func(d *uiStateData) { w = d.Welcomed })
	return w, err
}

func (s *uiState) lastLooked(ws uuid.UUID) time.Time {
	var t time.Time
	_ = s.get(func(d *uiStateData) { t = d.LastLooked[ws] })
	return t
}

func (s *uiState) setLastLooked(ws uuid.UUID, at time.Time) error {
	return s.update(func(d *uiStateData) {
		if d.LastLooked == nil {
			d.LastLooked = make(map[uuid.UUID]time.Time)
		}
		d.LastLooked[ws] = at.UTC()
	})
}
