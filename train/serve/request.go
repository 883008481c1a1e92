// Requests and answers: the JSON of POST /v1/recommend, its validation
// against the run's dataset (Resolve), and errors that carry their HTTP
// status.

package serve

import (
	"fmt"
	"net/http"
	"strings"
)

// Request is the body of POST /v1/recommend.
type Request struct {
	User string `json:"user"`
	// History, newest last, selects the sequential task with that history.
	// Without it the user's own sequence in the run's dataset is the
	// history (as `embrec recommend` without --history).
	History []string `json:"history,omitempty"`
	K       *int     `json:"k,omitempty"` // list length (= beams); default 10
	// ExcludeSeen never recommends an item of the history the prompt holds
	// (its last 10 items, as `embrec recommend --exclude`).
	ExcludeSeen bool `json:"exclude_seen,omitempty"`
	// Task is "sequential" or "straightforward"; default sequential, or
	// straightforward for a run that trained only that task.
	Task string `json:"task,omitempty"`
}

// Item is one recommended item: its raw id in the dataset and its beam's
// log-probability.
type Item struct {
	Item  string  `json:"item"`
	Score float64 `json:"score"`
}

// Response is the answer to a Request, best item first.
type Response struct {
	User  string `json:"user"`
	Items []Item `json:"items"`
}

// Error is a request error with its HTTP status.
type Error struct {
	Status int
	Msg    string
}

func (e *Error) Error() string { return e.Msg }

func errorf(status int, format string, a ...any) *Error {
	return &Error{status, fmt.Sprintf(format, a...)}
}

// DefaultK is the list length of a request without k.
const DefaultK = 10

// Query is a validated request: dataset indices, ready to encode.
type Query struct {
	User    int     // dataset user index
	Task    string  // "sequential" or "straightforward"
	History []int32 // item indices, oldest first, at most the encoder's History
	Exclude []int32 // items never to recommend
	K       int
}

// Resolve validates r against the run: 400 for a missing user, an unknown
// task or a bad k, 404 for an unknown user or item.
func (e *Engine) Resolve(r Request) (Query, error) {
	d := e.built.Data
	if r.User == "" {
		return Query{}, errorf(http.StatusBadRequest, `"user" is required`)
	}
	k := DefaultK
	if r.K != nil {
		k = *r.K
	}
	if k < 1 || k > e.maxK {
		return Query{}, errorf(http.StatusBadRequest, `"k" is %d: want 1 to %d`, k, e.maxK)
	}
	task := r.Task
	if task == "" {
		task = e.defaultTask
	}
	if _, ok := e.cats[task]; !ok {
		return Query{}, errorf(http.StatusBadRequest, `"task" %q: want one of %s`, task, strings.Join(e.tasks, ", "))
	}
	if task == "straightforward" && len(r.History) > 0 {
		return Query{}, errorf(http.StatusBadRequest, `"history" is given: the straightforward task has none`)
	}
	u, ok := e.users[r.User]
	if !ok {
		return Query{}, errorf(http.StatusNotFound, "user %q is not in %s", r.User, d.Name)
	}
	h := d.Seqs[u]
	if len(r.History) > 0 {
		h = make([]int32, 0, len(r.History))
		var missing []string
		for _, raw := range r.History {
			it, ok := d.ItemIndex(raw)
			if !ok {
				missing = append(missing, fmt.Sprintf("%q", raw))
				continue
			}
			h = append(h, it)
		}
		if len(missing) > 0 {
			return Query{}, errorf(http.StatusNotFound, "history items not in %s: %s", d.Name, strings.Join(missing, ", "))
		}
	}
	q := Query{User: u, Task: task, K: k}
	if r.ExcludeSeen {
		q.Exclude = h // every item seen, not only those the prompt shows
	}
	if n := e.built.Rec.Enc.History(); len(h) > n {
		h = h[len(h)-n:]
	}
	q.History = h
	if task == "straightforward" {
		q.History = nil
	}
	return q, nil
}
