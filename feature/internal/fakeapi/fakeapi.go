// Package fakeapi is the scriptable httptest server the feature providers'
// tests stand in for provider APIs with: each route answers with a sample
// from the provider's testdata/, a status, or a fault (a hang until the
// client gives up), and every request is recorded for the test to check.
package fakeapi

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Reply is one scripted answer.
type Reply struct {
	Status int
	File   string // sample in testdata/, served as the body
	Body   string // literal body, when File is empty
	Hang   bool   // never answer: block until the client goes away
	Header http.Header
}

// Request is one request the server received.
type Request struct {
	Method string
	Path   string
	Query  string
	Header http.Header
	Body   string
}

// Server is a fake provider API.
type Server struct {
	t   testing.TB
	srv *httptest.Server
	// Check, when set, vets every request (authentication, content type)
	// and may answer it instead of the script by returning a reply.
	Check func(r *http.Request, body string) *Reply

	mu       sync.Mutex
	routes   map[string][]Reply // "METHOD /path" -> replies, the last repeats
	requests []Request
	started  chan struct{}
}

// New starts a fake whose routes answer 404 until scripted.
func New(t testing.TB) *Server {
	s := &Server{t: t, routes: map[string][]Reply{}, started: make(chan struct{}, 64)}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the server's base URL.
func (s *Server) URL() string { return s.srv.URL }

// On scripts route ("POST /v2/addresses"): the replies are served in
// order, the last one for every later request.
func (s *Server) On(route string, replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.routes[route] = replies
}

// Calls is how many requests the server has received.
func (s *Server) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Routes returns "METHOD /path" of each request received, in order.
func (s *Server) Routes() []string {
	var out []string
	for _, r := range s.Requests() {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

// Started receives a value each time a hanging reply starts hanging, so a
// test can cancel the client's context at that moment.
func (s *Server) Started() <-chan struct{} { return s.started }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: string(body)})
	route := r.Method + " " + r.URL.Path
	replies := s.routes[route]
	var rep Reply
	switch {
	case len(replies) == 0:
		rep = Reply{Status: http.StatusNotFound, Body: "no route " + route}
	default:
		rep = replies[0]
		if len(replies) > 1 {
			s.routes[route] = replies[1:]
		}
	}
	check := s.Check
	s.mu.Unlock()
	if check != nil {
		if alt := check(r, string(body)); alt != nil {
			rep = *alt
		}
	}
	if rep.Hang {
		s.started <- struct{}{}
		<-r.Context().Done()
		return
	}
	for k, vs := range rep.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	payload := []byte(rep.Body)
	if rep.File != "" {
		var err error
		payload, err = os.ReadFile(filepath.Join("testdata", rep.File))
		if err != nil {
			s.t.Errorf("fakeapi: %v", err)
		}
	}
	if w.Header().Get("Content-Type") == "" {
		switch {
		case strings.HasSuffix(rep.File, ".json"):
			w.Header().Set("Content-Type", "application/json")
		case strings.HasSuffix(rep.File, ".xml"):
			w.Header().Set("Content-Type", "text/xml")
		}
	}
	status := rep.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = w.Write(payload)
}

// ReadTestdata returns a sample, failing the test when it is missing.
func ReadTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
