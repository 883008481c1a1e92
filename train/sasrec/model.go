// The model: a LLaMA-shaped causal transformer over item tokens, with its
// trainable weights, gradients and AdamW moments in flat buffers.

package sasrec

import (
	"fmt"

	"embrec/llama"
	"embrec/tensor"
	"embrec/train/data"
)

// Config is the shape of the model and its training schedule.
type Config struct {
	Hidden  int     `json:"hidden"`  // C
	Layers  int     `json:"layers"`  // L
	Heads   int     `json:"heads"`   // NH (and NKV)
	MaxLen  int     `json:"max_len"` // the last MaxLen items of a sequence are the input
	Dropout float32 `json:"dropout"` // inverted dropout on the input item embeddings
	// ResidualDropout drops each block's attention and MLP outputs
	// (llama.Run.SetDropout), as SASRec's blocks do; 0: none.
	ResidualDropout float32 `json:"residual_dropout,omitempty"`
	Batch           int     `json:"batch"`    // users per step
	LR              float64 `json:"lr"`       // constant after Warmup
	Warmup          int     `json:"warmup"`   // linear warm-up steps
	WD              float64 `json:"wd"`       // AdamW weight decay
	Clip            float64 `json:"clip"`     // global gradient-norm bound (<= 0: none)
	Epochs          int     `json:"epochs"`   // passes over the users' training sequences
	Every           int     `json:"every"`    // validate every Every epochs
	Patient         int     `json:"patience"` // stop after this many validations without a better NDCG@10 (0: never)
	VUsers          int     `json:"valid_users"`
	Seed            uint64  `json:"seed"`
}

// DefaultConfig is SASRec's usual small shape (64 wide, 2 blocks) with a
// cross-entropy-friendly schedule.
func DefaultConfig() Config {
	return Config{Hidden: 64, Layers: 2, Heads: 2, MaxLen: 50, Dropout: 0.2, Batch: 128, LR: 1e-3,
		Warmup: 100, WD: 0, Clip: 5, Epochs: 200, Every: 2, Patient: 10, Seed: 1}
}

// Check reports the first out-of-range field, by its flag name.
func (c Config) Check() error {
	switch {
	case c.Hidden < 1 || c.Heads < 1 || c.Hidden%c.Heads != 0 || (c.Hidden/c.Heads)%2 != 0:
		return fmt.Errorf("--hidden %d / --heads %d: want a head size (hidden/heads) that is even", c.Hidden, c.Heads)
	case c.Layers < 1:
		return fmt.Errorf("--layers %d: want >= 1", c.Layers)
	case c.MaxLen < 1 || c.MaxLen > 4096:
		return fmt.Errorf("--max-len %d: want 1..4096", c.MaxLen)
	case !(c.Dropout >= 0 && c.Dropout < 1):
		return fmt.Errorf("--dropout %v: want [0, 1)", c.Dropout)
	case !(c.ResidualDropout >= 0 && c.ResidualDropout < 1):
		return fmt.Errorf("--residual-dropout %v: want [0, 1)", c.ResidualDropout)
	case c.Batch < 1 || c.Batch > 4096:
		return fmt.Errorf("--batch %d: want 1..4096", c.Batch)
	case !(c.LR > 0 && c.LR < 10):
		return fmt.Errorf("--lr %v: want (0, 10)", c.LR)
	case c.Warmup < 0:
		return fmt.Errorf("--warmup %d: want >= 0", c.Warmup)
	case !(c.WD >= 0 && c.WD < 10):
		return fmt.Errorf("--weight-decay %v: want [0, 10)", c.WD)
	case !(c.Clip >= 0 && c.Clip < 1e9):
		return fmt.Errorf("--clip %v: want >= 0", c.Clip)
	case c.Epochs < 1:
		return fmt.Errorf("--epochs %d: want >= 1", c.Epochs)
	case c.Every < 1:
		return fmt.Errorf("--eval-every %d: want >= 1", c.Every)
	case c.Patient < 0:
		return fmt.Errorf("--patience %d: want >= 0", c.Patient)
	case c.VUsers < 0:
		return fmt.Errorf("--valid-users %d: want >= 0 (0: all)", c.VUsers)
	}
	return nil
}

// Model is the transformer with its training state.
type Model struct {
	Cfg  Config
	Data *data.Dataset
	LLM  *llama.Model
	b    tensor.Backend

	// Flat buffers over every weight (llama.Model.Params): weights,
	// gradients, AdamW moments.
	W, G, M, V *tensor.Tensor
	grads      *llama.Weights
	runs       map[[2]int]*llama.Run
	drop       map[[2]int]*tensor.Tensor // dropout masks by (B, T)
}

// New builds a randomly initialised model for d's catalogue.
func New(d *data.Dataset, cfg Config, b tensor.Backend) (*Model, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	hs := cfg.Hidden / cfg.Heads
	lc := llama.Config{Hidden: cfg.Hidden, Intermediate: 4 * cfg.Hidden, Layers: cfg.Layers, Heads: cfg.Heads,
		KVHeads: cfg.Heads, HeadSize: hs, Vocab: d.NumItems() + 1, MaxPos: cfg.MaxLen, NormEps: 1e-6,
		RopeTheta: 10000, TiedEmbed: true, BOS: -1, EOS: -1, DType: "float32"}
	llm, err := llama.NewRandom(lc, b, llama.DefaultStd, cfg.Seed)
	if err != nil {
		return nil, fmt.Errorf("sasrec: %w", err)
	}
	g, gp := llm.NewGrads()
	n := llm.Params.Flat.Len()
	m := &Model{Cfg: cfg, Data: d, LLM: llm, b: b, W: llm.Params.Flat, G: gp.Flat,
		M: b.New(tensor.F32, n), V: b.New(tensor.F32, n), grads: g,
		runs: map[[2]int]*llama.Run{}, drop: map[[2]int]*tensor.Tensor{}}
	return m, nil
}

// NumParams is the number of trainable scalars.
func (m *Model) NumParams() int { return m.W.Len() }

// run returns the cached Run for (B, T).
func (m *Model) run(B, T int) *llama.Run {
	k := [2]int{B, T}
	if r, ok := m.runs[k]; ok {
		return r
	}
	r := m.LLM.NewRun(B, T, llama.RunOptions{Grads: m.grads})
	m.runs[k] = r
	return r
}

// mask returns the cached dropout mask buffer for (B, T).
func (m *Model) mask(B, T int) *tensor.Tensor {
	k := [2]int{B, T}
	if t, ok := m.drop[k]; ok {
		return t
	}
	t := m.b.New(tensor.F32, B*T, m.Cfg.Hidden)
	m.drop[k] = t
	return t
}

// batch lays out B rows of at most T tokens each, left-padded: ids (B*T),
// mask (B*T) and, when targets is non-nil, the next-item targets (B*T,
// -100 where there is none). Each row's sequence is seqs[i]; rows beyond
// len(seqs) are a single padding token with no target.
func layout(seqs [][]int32, B, T int, ids, mask, targets []int32) {
	for i := range ids {
		ids[i], mask[i] = 0, 0
		if targets != nil {
			targets[i] = -100
		}
	}
	for r := 0; r < B; r++ {
		if r >= len(seqs) {
			mask[r*T+T-1] = 1 // a lone valid token keeps the row's softmax defined
			continue
		}
		s := seqs[r]
		in := s
		if targets != nil {
			in = s[:len(s)-1]
		}
		off := r*T + T - len(in)
		for j, it := range in {
			ids[off+j], mask[off+j] = it+1, 1
			if targets != nil {
				targets[off+j] = s[j+1] + 1
			}
		}
	}
}
