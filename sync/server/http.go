package server

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// MaxRequestBytes bounds a request body.
const MaxRequestBytes = 32 << 20

// Handler returns the HTTP + JSON API (API.md).
func (s *Store) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/server", s.handleServer)
	mux.HandleFunc("GET /v1/me", s.auth(s.handleMe))
	mux.HandleFunc("GET /v1/users", s.auth(s.handleUsers))
	mux.HandleFunc("GET /v1/lists", s.auth(s.handleLists))
	mux.HandleFunc("GET /v1/lists/{list}", s.auth(s.handleList))
	mux.HandleFunc("PUT /v1/lists/{list}", s.auth(s.handlePutList))
	mux.HandleFunc("GET /v1/lists/{list}/items/{id}", s.auth(s.handleItem))
	mux.HandleFunc("GET /v1/lists/{list}/changes", s.auth(s.handleChanges))
	mux.HandleFunc("POST /v1/lists/{list}/batch", s.auth(s.handleBatch))
	mux.HandleFunc("GET /v1/lists/{list}/refused", s.auth(s.handleRefused))
	return mux
}

// ServerInfo is what GET /v1/server answers without authentication.
type ServerInfo struct {
	Product   string `json:"product"`
	Device    string `json:"device"`
	PublicKey string `json:"publicKey"` // base64 ed25519 key that signs designs
}

type authed func(w http.ResponseWriter, r *http.Request, u User)

func (s *Store) auth(h authed) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			writeErr(w, fmt.Errorf("want header Authorization: Bearer TOKEN: %w", ErrUnauthorized))
			return
		}
		u, err := s.Authenticate(strings.TrimSpace(tok))
		if err != nil {
			writeErr(w, err)
			return
		}
		h(w, r, u)
	}
}

func (s *Store) handleServer(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, ServerInfo{Product: "grove-server", Device: s.dev.String(), PublicKey: base64.StdEncoding.EncodeToString(s.PublicKey())})
}

func (s *Store) handleMe(w http.ResponseWriter, r *http.Request, u User) { writeJSON(w, u) }

func (s *Store) handleUsers(w http.ResponseWriter, r *http.Request, u User) {
	us, err := s.Users()
	if err != nil {
		writeErr(w, err)
		return
	}
	type entry struct {
		User
		Person string `json:"person"`
	}
	out := make([]entry, len(us))
	for i, x := range us {
		out[i] = entry{x, x.Person()}
	}
	writeJSON(w, map[string]any{"users": out})
}

func (s *Store) handleLists(w http.ResponseWriter, r *http.Request, u User) {
	ls, err := s.Lists(u)
	if err != nil {
		writeErr(w, err)
		return
	}
	if ls == nil {
		ls = []ListAccess{}
	}
	writeJSON(w, map[string]any{"lists": ls})
}

func (s *Store) handleList(w http.ResponseWriter, r *http.Request, u User) {
	ls, err := s.Lists(u)
	if err != nil {
		writeErr(w, err)
		return
	}
	ref := r.PathValue("list")
	for _, l := range ls {
		if strings.EqualFold(l.Name, ref) || strconv.FormatInt(l.ID, 10) == ref {
			writeJSON(w, l)
			return
		}
	}
	writeErr(w, fmt.Errorf("list %q: %w", ref, ErrNotFound))
}

func (s *Store) handlePutList(w http.ResponseWriter, r *http.Request, u User) {
	var l List
	if err := readJSON(r, &l); err != nil {
		writeErr(w, err)
		return
	}
	ref := r.PathValue("list")
	if !strings.EqualFold(l.Name, ref) {
		writeErr(w, fmt.Errorf("body names list %q, path %q: %w", l.Name, ref, ErrInvalid))
		return
	}
	if old, err := s.List(ref); err == nil {
		ok := u.Admin
		if !ok {
			ls, _ := s.Lists(u)
			for _, a := range ls {
				ok = ok || a.ID == old.ID && strings.Contains(strings.Join(a.Permissions, ","), "design")
			}
		}
		if !ok {
			writeErr(w, fmt.Errorf("user %q may not design list %q: %w", u.Name, ref, ErrForbidden))
			return
		}
	} else if !u.Admin {
		writeErr(w, fmt.Errorf("only admins create lists: %w", ErrForbidden))
		return
	}
	l.Signature = nil
	saved, err := s.PutList(l)
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, saved)
}

func (s *Store) handleItem(w http.ResponseWriter, r *http.Request, u User) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeErr(w, fmt.Errorf("item id %q: %w", r.PathValue("id"), ErrInvalid))
		return
	}
	it, err := s.GetItem(u, r.PathValue("list"), id)
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, it)
}

func (s *Store) handleChanges(w http.ResponseWriter, r *http.Request, u User) {
	q := r.URL.Query()
	since, err := parseIntParam(q.Get("since"))
	if err != nil {
		writeErr(w, err)
		return
	}
	limit, err := parseIntParam(q.Get("limit"))
	if err != nil {
		writeErr(w, err)
		return
	}
	rep, err := s.Changes(u, r.PathValue("list"), since, int(limit))
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, rep)
}

// BatchRequest is the body of POST /v1/lists/{list}/batch.
type BatchRequest struct {
	Updates []Update `json:"updates"`
}

func (s *Store) handleBatch(w http.ResponseWriter, r *http.Request, u User) {
	var req BatchRequest
	if err := readJSON(r, &req); err != nil {
		writeErr(w, err)
		return
	}
	rep, err := s.ApplyBatch(u, r.PathValue("list"), req.Updates)
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, rep)
}

func (s *Store) handleRefused(w http.ResponseWriter, r *http.Request, u User) {
	after, err := parseIntParam(r.URL.Query().Get("after"))
	if err != nil {
		writeErr(w, err)
		return
	}
	out, err := s.RefusedChanges(u, r.PathValue("list"), after)
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, map[string]any{"refused": out})
}

func parseIntParam(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("parameter %q: want a non-negative integer: %w", s, ErrInvalid)
	}
	return n, nil
}

func readJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, MaxRequestBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("request body: %v: %w", err, ErrInvalid)
	}
	if dec.More() {
		return fmt.Errorf("request body: trailing data: %w", ErrInvalid)
	}
	return nil
}

// ErrorBody is the JSON of every error answer.
type ErrorBody struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

func writeErr(w http.ResponseWriter, err error) {
	status, code := http.StatusInternalServerError, "internal"
	switch {
	case errors.Is(err, ErrUnauthorized):
		status, code = http.StatusUnauthorized, "unauthorized"
	case errors.Is(err, ErrForbidden):
		status, code = http.StatusForbidden, "forbidden"
	case errors.Is(err, ErrNotFound):
		status, code = http.StatusNotFound, "not-found"
	case errors.Is(err, ErrInvalid):
		status, code = http.StatusBadRequest, "invalid"
	case errors.Is(err, ErrExists):
		status, code = http.StatusConflict, "exists"
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(ErrorBody{Error: err.Error(), Code: code})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
