// The HTTP API: POST /v1/recommend, GET /healthz, /v1/info and /metrics.
// Every error is JSON {"error": "..."} with its status; a handler panic is
// a 500, never a dropped connection.

package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// ServerOptions configure a Server.
type ServerOptions struct {
	Timeout time.Duration // per recommendation request, queueing included (0 = 30s)
	MaxBody int64         // request body bytes at most (0 = 64 KiB)
}

// Info is what GET /v1/info reports.
type Info struct {
	Dataset  string   `json:"dataset"`
	Users    int      `json:"users"`
	Items    int      `json:"items"`
	Backbone string   `json:"backbone"`
	Tasks    []string `json:"tasks"`
	Template string   `json:"template"`
	Run      string   `json:"run"`
	Device   string   `json:"device"`
	Version  string   `json:"version"`
}

type backendState struct {
	b    *Batcher
	info Info
}

// Server is the service's http.Handler. It answers 503 (and /healthz 503)
// until Ready hands it a Batcher, so it can listen while the model loads.
type Server struct {
	opt   ServerOptions
	m     *Metrics
	mux   *http.ServeMux
	state atomic.Pointer[backendState]
}

// NewServer returns a Server reporting to m (NewMetrics with the queue's
// depth; nil: a registry of its own without it).
func NewServer(opt ServerOptions, m *Metrics) *Server {
	if opt.Timeout <= 0 {
		opt.Timeout = 30 * time.Second
	}
	if opt.MaxBody <= 0 {
		opt.MaxBody = 64 << 10
	}
	if m == nil {
		m = NewMetrics(nil)
	}
	s := &Server{opt: opt, m: m, mux: http.NewServeMux()}
	s.mux.HandleFunc("POST /v1/recommend", s.recommend)
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /v1/info", s.info)
	s.mux.Handle("GET /metrics", m.Handler())
	s.mux.HandleFunc("/", s.notFound)
	return s
}

// Ready makes the server answer with b.
func (s *Server) Ready(b *Batcher, info Info) { s.state.Store(&backendState{b, info}) }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			writeError(w, http.StatusInternalServerError, fmt.Sprintf("internal error: %v", v))
		}
	}()
	s.mux.ServeHTTP(w, r)
}

// notFound answers what no route takes: 405 for a known path with the
// wrong method, else 404.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	allow := map[string]string{"/v1/recommend": "POST", "/healthz": "GET", "/v1/info": "GET", "/metrics": "GET"}[r.URL.Path]
	if allow != "" {
		w.Header().Set("Allow", allow)
		writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s %s: method not allowed (want %s)", r.Method, r.URL.Path, allow))
		return
	}
	writeError(w, http.StatusNotFound, fmt.Sprintf("no route %s %s (POST /v1/recommend, GET /healthz, /v1/info, /metrics)", r.Method, r.URL.Path))
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if s.state.Load() == nil {
		writeError(w, http.StatusServiceUnavailable, "loading the model")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) info(w http.ResponseWriter, r *http.Request) {
	st := s.state.Load()
	if st == nil {
		writeError(w, http.StatusServiceUnavailable, "loading the model")
		return
	}
	writeJSON(w, http.StatusOK, st.info)
}

func (s *Server) recommend(w http.ResponseWriter, r *http.Request) {
	t0 := time.Now()
	s.m.inFlight.Inc()
	defer s.m.inFlight.Dec()
	code := s.answer(w, r)
	s.m.request(code, time.Since(t0))
}

// answer handles one recommendation and returns the status it answered.
func (s *Server) answer(w http.ResponseWriter, r *http.Request) int {
	st := s.state.Load()
	if st == nil {
		return writeError(w, http.StatusServiceUnavailable, "loading the model")
	}
	var req Request
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, s.opt.MaxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body over %d bytes", tooBig.Limit))
		}
		return writeError(w, http.StatusBadRequest, "malformed JSON body: "+err.Error())
	}
	if _, err := dec.Token(); err != io.EOF {
		return writeError(w, http.StatusBadRequest, "malformed JSON body: more than one JSON value")
	}
	q, err := st.b.Resolve(req)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return writeError(w, e.Status, e.Msg)
		}
		return writeError(w, http.StatusBadRequest, err.Error())
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.opt.Timeout)
	defer cancel()
	resp, err := st.b.Submit(ctx, q)
	switch {
	case err == nil:
		return writeJSON(w, http.StatusOK, resp)
	case errors.Is(err, ErrQueueFull):
		w.Header().Set("Retry-After", "1")
		return writeError(w, http.StatusServiceUnavailable, "overloaded: the request queue is full, retry later")
	case errors.Is(err, ErrClosed):
		return writeError(w, http.StatusServiceUnavailable, "shutting down")
	case errors.Is(err, context.DeadlineExceeded):
		w.Header().Set("Retry-After", "1")
		return writeError(w, http.StatusServiceUnavailable, fmt.Sprintf("timed out after %v (server busy)", s.opt.Timeout))
	case errors.Is(err, context.Canceled):
		writeError(w, 499, "client closed the request")
		return 499
	}
	return writeError(w, http.StatusInternalServerError, err.Error())
}

func writeJSON(w http.ResponseWriter, code int, v any) int {
	js, err := json.Marshal(v)
	if err != nil {
		code, js = http.StatusInternalServerError, []byte(`{"error":"encoding the answer failed"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(js)+1))
	w.WriteHeader(code)
	w.Write(append(js, '\n'))
	return code
}

func writeError(w http.ResponseWriter, code int, msg string) int {
	return writeJSON(w, code, map[string]string{"error": msg})
}
