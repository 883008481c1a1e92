// The Engine: a loaded run's recommender with one catalogue per task,
// decoding a batch of queries in one batched beam search. Not safe for
// concurrent use (the backend has one driving goroutine): the Batcher
// calls it from its worker, batch export from its one loop.

package serve

import (
	"fmt"
	"slices"
	"sync/atomic"

	"embrec/tensor"
	"embrec/train"
	"embrec/train/data"
)

// Engine answers queries for one trained run.
type Engine struct {
	built       *train.Built
	users       map[string]int
	cats        map[string]*train.Catalogue
	tpls        map[string]data.Template
	tasks       []string
	defaultTask string
	maxK        int
	batches     atomic.Int64 // batches Run decoded
}

// EngineOptions configure NewEngine.
type EngineOptions struct {
	Template string // prompt template selector; "" = "seen:0" (OpenP5's evaluation)
	MaxK     int    // largest k a request may ask (0 = 100); never more than the catalogue
}

// NewEngine prepares built (a loaded run) for serving: its catalogues, its
// user index, adapters attached, and the backend in batch-invariant mode
// when it has one.
func NewEngine(built *train.Built, opt EngineOptions) (*Engine, error) {
	if opt.Template == "" {
		opt.Template = "seen:0"
	}
	if opt.MaxK <= 0 {
		opt.MaxK = 100
	}
	d, rec := built.Data, built.Rec
	e := &Engine{built: built, users: make(map[string]int, d.NumUsers()), cats: map[string]*train.Catalogue{},
		tpls: map[string]data.Template{}, maxK: min(opt.MaxK, d.NumItems())}
	for i, id := range d.Users {
		e.users[id] = i
	}
	e.tasks = built.Spec.Tasks()
	for _, task := range e.tasks {
		tpl, err := built.Templates.Get(task, opt.Template)
		if err != nil {
			return nil, err
		}
		cat, err := rec.NewCatalogue(tpl)
		if err != nil {
			return nil, err
		}
		e.cats[task], e.tpls[task] = cat, tpl
	}
	e.defaultTask = e.tasks[0]
	if slices.Contains(e.tasks, "sequential") {
		e.defaultTask = "sequential"
	}
	if bi, ok := rec.LLM.Backend.(tensor.BatchInvariant); ok {
		bi.SetBatchInvariant(true)
	}
	rec.AttachAdaptersIfTrained()
	return e, nil
}

// Built is the run the engine serves.
func (e *Engine) Built() *train.Built { return e.built }

// Batches is the number of batches the engine has decoded.
func (e *Engine) Batches() int64 { return e.batches.Load() }

// Tasks are the tasks requests may ask for.
func (e *Engine) Tasks() []string { return e.tasks }

// Run decodes qs in one batch. stop[i], when set, abandons query i (its
// response is nil); stop may be nil.
func (e *Engine) Run(qs []Query, stop []func() bool) ([]*Response, error) {
	rec, d := e.built.Rec, e.built.Data
	bq := make([]train.BeamQuery, len(qs))
	for i, q := range qs {
		p, err := rec.Enc.Encode(e.tpls[q.Task], data.Sample{User: q.User, History: q.History}, false)
		if err != nil {
			return nil, fmt.Errorf("serve: user %s: %w", d.Users[q.User], err)
		}
		bq[i] = train.BeamQuery{X: rec.PromptEmbeddings(p), Cat: e.cats[q.Task], Beams: q.K, Exclude: q.Exclude}
		if stop != nil {
			bq[i].Stop = stop[i]
		}
	}
	e.batches.Add(1)
	res, err := rec.BeamItemsBatch(bq)
	if err != nil {
		return nil, err
	}
	out := make([]*Response, len(qs))
	for i, items := range res {
		if items == nil && stop != nil && stop[i] != nil && stop[i]() {
			continue
		}
		r := &Response{User: d.Users[qs[i].User], Items: make([]Item, len(items))}
		for j, sc := range items {
			r.Items[j] = Item{Item: d.Items[sc.Item], Score: sc.Score}
		}
		out[i] = r
	}
	return out, nil
}
