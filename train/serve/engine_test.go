// The Engine: a batch of mixed requests gets exactly the answers each
// request gets alone (items and scores), and an abandoned query leaves the
// others untouched.

package serve

import (
	"reflect"
	"testing"
)

func mixedRequests(e *Engine) []Request {
	d := e.Built().Data
	u := d.Users
	return []Request{
		{User: u[0]},
		{User: u[1], K: intp(5)},
		{User: u[2], History: []string{d.Items[3], d.Items[7], d.Items[1]}},
		{User: u[3], Task: "straightforward", K: intp(3)},
		{User: u[4], ExcludeSeen: true},
		{User: u[0], History: []string{d.Items[0]}, K: intp(12)},
		{User: u[5], Task: "straightforward", ExcludeSeen: true, K: intp(1)},
		{User: u[1], K: intp(5)}, // the same request twice in one batch
	}
}

func TestBatchMatchesSingle(t *testing.T) {
	e := tinyEngine(t)
	reqs := mixedRequests(e)
	qs := make([]Query, len(reqs))
	for i, r := range reqs {
		q, err := e.Resolve(r)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		qs[i] = q
	}
	batched, err := e.Run(qs, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, q := range qs {
		alone, err := e.Run([]Query{q}, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := q.K
		if len(alone[0].Items) != want {
			t.Errorf("request %d: %d items, want k = %d", i, len(alone[0].Items), want)
		}
		if !reflect.DeepEqual(batched[i], alone[0]) {
			t.Errorf("request %d: batched %+v\nalone %+v", i, batched[i], alone[0])
		}
		for _, it := range alone[0].Items {
			for _, ex := range q.Exclude {
				if it.Item == e.Built().Data.Items[ex] {
					t.Errorf("request %d: excluded item %s recommended", i, it.Item)
				}
			}
		}
	}
}

func TestRunStopLeavesOthers(t *testing.T) {
	e := tinyEngine(t)
	a, _ := e.Resolve(Request{User: e.Built().Data.Users[0]})
	b, _ := e.Resolve(Request{User: e.Built().Data.Users[1]})
	stop := []func() bool{func() bool { return true }, nil}
	got, err := e.Run([]Query{a, b}, stop)
	if err != nil {
		t.Fatal(err)
	}
	if got[0] != nil {
		t.Errorf("stopped query answered %+v", got[0])
	}
	alone, _ := e.Run([]Query{b}, nil)
	if !reflect.DeepEqual(got[1], alone[0]) {
		t.Errorf("the other query: %+v, alone %+v", got[1], alone[0])
	}
}

// TestResolveHistoryLength: a given history is cut to the run's prompt
// length (its most recent items) while exclude_seen still covers all of it.
func TestResolveHistoryLength(t *testing.T) {
	e := tinyEngine(t)
	d := e.Built().Data
	e.Built().Rec.Enc.MaxHistory = 2
	raw := []string{d.Items[1], d.Items[2], d.Items[3], d.Items[4]}
	q, err := e.Resolve(Request{User: d.Users[0], History: raw, ExcludeSeen: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []int32{3, 4}
	if len(q.History) != 2 || q.History[0] != want[0] || q.History[1] != want[1] {
		t.Fatalf("history %v, want the last two items %v", q.History, want)
	}
	if len(q.Exclude) != len(raw) {
		t.Fatalf("exclude %v, want all %d items of the history", q.Exclude, len(raw))
	}
}
