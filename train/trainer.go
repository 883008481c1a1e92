// The two-stage trainer: micro-batches alternating between tasks, a seen
// template drawn per example, gradient accumulation, global-norm clipping,
// AdamW with linear warmup and decay. Every random choice is a pure
// function of (seed, step), so the state to checkpoint is the step count,
// the trainable parameters and their AdamW moments, and a resumed run
// continues bit for bit.

package train

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"embrec/tensor"
	"embrec/train/data"
)

// TrainConfig holds the hyper-parameters of one stage.
type TrainConfig struct {
	Stage       int // 1: projectors only; 2: projectors + LoRA (+ backbone if Full)
	Steps       int // optimizer steps
	Batch       int // examples per micro-batch
	Accum       int // micro-batches per optimizer step
	LR          float64
	Warmup      int // linear warmup steps, then linear decay to 0 at Steps
	WeightDecay float64
	Beta1       float64
	Beta2       float64
	Eps         float64
	Clip        float64  // global gradient-norm bound; <= 0: none
	Tasks       []string // alternated micro-batch by micro-batch
	MaxHistory  int      // items a prompt shows: the encoder's History (checked)
	Seed        uint64
	// InputDropout is the inverted-dropout rate on the input embeddings
	// (token embeddings and injected vectors alike) of training batches,
	// SASRec's regulariser; 0: none.
	InputDropout float32 `json:",omitempty"`
	// ResidualDropout is the inverted-dropout rate on each block's
	// attention and MLP outputs before they join the residual stream in
	// training steps (SASRec's dropout inside its blocks; llama.Run's
	// SetDropout); 0: none.
	ResidualDropout float32 `json:",omitempty"`
}

// DefaultTrainConfig is a small-model default (OpenP5 uses lr 1e-3 for
// LoRA, warmup, clipping at 1 and weight decay 0.01).
func DefaultTrainConfig() TrainConfig {
	return TrainConfig{Stage: 2, Steps: 200, Batch: 16, Accum: 1, LR: 1e-3, Warmup: 20, WeightDecay: 0.01,
		Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Clip: 1, Tasks: []string{"sequential", "straightforward"},
		MaxHistory: data.DefaultMaxHistory, Seed: 1}
}

// StepStats report one optimizer step.
type StepStats struct {
	Step     int     `json:"step"` // 1-based, after the update
	Loss     float64 `json:"loss"` // mean target-token loss over the step's micro-batches
	LR       float64 `json:"lr"`
	GradNorm float64 `json:"grad_norm"`
	Tokens   int     `json:"tokens"` // target tokens in the step
	Seconds  float64 `json:"seconds"`
}

// Trainer trains a Recommender on a dataset.
type Trainer struct {
	R         *Recommender
	Cfg       TrainConfig
	Templates map[string][]data.Template // seen templates per task
	Step      int                        // optimizer steps done

	// AfterStep, if set, runs after each step (and its onStep) with last
	// true at the final step; stop ends training early (after a save).
	AfterStep func(t *Trainer, last bool) (stop bool, err error)

	samples []data.Sample
	permEp  int
	perm    []int32
}

// NewTrainer prepares training samples and templates.
func NewTrainer(r *Recommender, ts *data.TemplateSet, cfg TrainConfig) (*Trainer, error) {
	if cfg.Batch < 1 || cfg.Accum < 1 || cfg.Steps < 0 || len(cfg.Tasks) == 0 {
		return nil, fmt.Errorf("train: bad config: batch %d, accum %d, steps %d, tasks %v", cfg.Batch, cfg.Accum, cfg.Steps, cfg.Tasks)
	}
	if cfg.Stage != 1 && cfg.Stage != 2 {
		return nil, fmt.Errorf("train: stage %d, want 1 or 2", cfg.Stage)
	}
	t := &Trainer{R: r, Cfg: cfg, Templates: map[string][]data.Template{}, permEp: -1}
	for _, task := range cfg.Tasks {
		tp := ts.Task(task, true)
		if len(tp) == 0 {
			return nil, fmt.Errorf("train: %s has no seen templates for task %q", ts.Source, task)
		}
		t.Templates[task] = tp
	}
	if cfg.MaxHistory != r.Enc.History() {
		return nil, fmt.Errorf("train: stage %d trains on histories of %d items, the encoder's prompts show %d", cfg.Stage, cfg.MaxHistory, r.Enc.History())
	}
	t.samples = r.Enc.TrainSamples()
	if len(t.samples) == 0 {
		return nil, fmt.Errorf("train: %s has no training samples", r.Enc.Data.Name)
	}
	if cfg.Stage == 1 && r.Proj == nil && r.Full == nil {
		return nil, fmt.Errorf("train: stage 1 trains the projectors, but the model has none (text mode)")
	}
	if err := t.checkMemory(); err != nil {
		return nil, err
	}
	return t, nil
}

// groups returns the parameter groups the stage trains.
func (t *Trainer) groups() []*Params {
	var g []*Params
	if t.R.Proj != nil {
		g = append(g, t.R.Proj)
	}
	if t.Cfg.Stage == 2 {
		if t.R.LoRA != nil {
			g = append(g, t.R.LoRA)
		}
		if t.R.Full != nil {
			g = append(g, t.R.Full)
		}
	}
	return g
}

// sample returns the k-th training example of the run: epochs are seeded
// permutations of the samples, drawn from (seed, epoch) alone.
func (t *Trainer) sample(k int) data.Sample {
	n := len(t.samples)
	ep := k / n
	if ep != t.permEp {
		rng := rand.New(rand.NewPCG(t.Cfg.Seed, uint64(ep)))
		t.perm = make([]int32, n)
		for i, j := range rng.Perm(n) {
			t.perm[i] = int32(j)
		}
		t.permEp = ep
	}
	return t.samples[t.perm[k%n]]
}

// LRAt is the learning rate of step s (0-based): linear warmup, then
// linear decay to zero at Steps.
func (c TrainConfig) LRAt(s int) float64 {
	if c.Warmup > 0 && s < c.Warmup {
		return c.LR * float64(s+1) / float64(c.Warmup)
	}
	if c.Steps <= c.Warmup {
		return c.LR
	}
	return c.LR * float64(c.Steps-s) / float64(c.Steps-c.Warmup)
}

// microBatch builds micro-batch m of step s.
func (t *Trainer) microBatch(s, m int) (*Batch, error) {
	c := t.Cfg
	idx := s*c.Accum + m
	task := c.Tasks[idx%len(c.Tasks)]
	rng := rand.New(rand.NewPCG(c.Seed^0x7e3a1, uint64(idx)))
	tps := t.Templates[task]
	ps := make([]Prompt, c.Batch)
	T := 0
	for i := range ps {
		smp := t.sample(idx*c.Batch + i)
		if task == "straightforward" {
			smp.History = nil
		}
		p, err := t.R.Enc.Encode(tps[rng.IntN(len(tps))], smp, true)
		if err != nil {
			return nil, err
		}
		ps[i] = p
		T = max(T, SeqLen(p, true))
	}
	T = (T + 15) / 16 * 16 // few distinct lengths: few cached activation arenas
	if T > t.R.LLM.Config.MaxPos {
		T = t.R.LLM.Config.MaxPos
	}
	bt, err := MakeBatch(ps, c.Batch, T, true, 0)
	if err == nil {
		bt.Dropout, bt.ResidualDropout = c.InputDropout, c.ResidualDropout
		bt.DropSeed = c.Seed*0x9e3779b97f4a7c15 + uint64(idx)
	}
	return bt, err
}

// TrainStep runs one optimizer step.
func (t *Trainer) TrainStep() (StepStats, error) {
	start := time.Now()
	c := t.Cfg
	groups := t.groups()
	for _, g := range groups {
		g.ZeroGrad()
	}
	if t.R.Adapters != nil {
		t.R.Adapters.Training = true
		t.R.Adapters.StepSeed = c.Seed*0x9e3779b97f4a7c15 + uint64(t.Step)
		defer func() { t.R.Adapters.Training = false }()
	}
	st := StepStats{Step: t.Step + 1, LR: c.LRAt(t.Step)}
	var lossSum float64
	for m := 0; m < c.Accum; m++ {
		bt, err := t.microBatch(t.Step, m)
		if err != nil {
			return st, err
		}
		loss, n := t.R.Step(bt, 1/float32(c.Accum), true)
		lossSum += loss
		st.Tokens += n
	}
	st.Loss = lossSum / float64(c.Accum)
	var grads []*tensor.Tensor
	for _, g := range groups {
		grads = append(grads, g.G)
	}
	st.GradNorm = tensor.ClipGlobalNorm(t.R.b, grads, c.Clip)
	if err := t.checkDiverged(st); err != nil {
		return st, err // before the update: the weights stay those of the last good step
	}
	h := tensor.AdamWParams{LR: float32(st.LR), Beta1: float32(c.Beta1), Beta2: float32(c.Beta2),
		Eps: float32(c.Eps), WeightDecay: float32(c.WeightDecay), Step: t.Step + 1}
	for _, g := range groups {
		g.Step(h)
	}
	t.R.syncItemHead()
	t.Step++
	st.Seconds = time.Since(start).Seconds()
	return st, nil
}

// Run trains until Cfg.Steps, calling onStep after every step and save
// every saveEvery steps (0: never) and when ctx is cancelled (then it
// returns ctx.Err() after saving).
func (t *Trainer) Run(ctx context.Context, saveEvery int, save func() error, onStep func(StepStats)) error {
	for t.Step < t.Cfg.Steps {
		if ctx.Err() != nil {
			if save != nil {
				if err := save(); err != nil {
					return err
				}
			}
			return ctx.Err()
		}
		st, err := t.TrainStep()
		if err != nil {
			return err
		}
		if onStep != nil {
			onStep(st)
		}
		stop := false
		if t.AfterStep != nil {
			if stop, err = t.AfterStep(t, t.Step == t.Cfg.Steps); err != nil {
				return err
			}
		}
		if save != nil && ((saveEvery > 0 && t.Step%saveEvery == 0) || t.Step == t.Cfg.Steps || stop) {
			if err := save(); err != nil {
				return err
			}
		}
		if stop {
			return nil
		}
	}
	return nil
}
