// Setup: everything a training or evaluation run is built from, recorded
// as run.json in the run directory so that eval and recommend rebuild the
// same recommender and load its trained weights.

package train

import (
	"embrec/internal/atomicfile"

	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"embrec/llama"
	"embrec/llama/tokenizer"
	"embrec/lora"
	"embrec/tensor"
	"embrec/train/data"
	"embrec/wals"
)

// RunSpec describes a recommender: data, backbone, factors and trainable
// parts. The zero values of optional fields mean the defaults.
type RunSpec struct {
	Data      string `json:"data"`      // user_sequence.txt path, or "synth[:SEED]"
	Name      string `json:"name"`      // dataset name in prompts ("" = the data directory's name)
	Indexing  string `json:"indexing"`  // "sequential" or "random"
	Templates string `json:"templates"` // template file ("" = built-in)

	Model     string `json:"model"`     // HF model directory; "" with Init "random"
	Init      string `json:"init"`      // "random": a small from-scratch backbone
	Config    string `json:"config"`    // SmallConfigs name for Init random
	Tokenizer string `json:"tokenizer"` // tokenizer file ("" = the model's, or built from the templates)
	ModelSeed uint64 `json:"model_seed"`
	// ItemTokens is how a vocabulary built for Init random writes item
	// ids: ItemDigits ("" too) or ItemWhole.
	ItemTokens string `json:"item_tokens,omitempty"`
	// ItemHead initialises the item tokens' lm_head rows at stage 2's
	// start: ItemHeadRandom ("" too) or ItemHeadWALS.
	ItemHead string `json:"item_head,omitempty"`
	// UserVectors is where the injected user vector comes from:
	// UserVectorsFitted ("" too) or UserVectorsFoldIn, which solves with
	// FoldIn (recorded at the run's start: the factor file's reg and alpha
	// when it names them, else WALS's).
	UserVectors string `json:"user_vectors,omitempty"`
	// HistoryTargets: see Encoder.HistoryTargets.
	HistoryTargets bool        `json:"history_targets,omitempty"`
	FoldIn         *FoldInSpec `json:"foldin,omitempty"`

	Mode       string       `json:"mode"`                 // "embed" or "text"
	Factors    string       `json:"factors"`              // factor file(s) ("" = fit WALS on the training split); see LoadFactors
	FactorIDs  string       `json:"factor_ids,omitempty"` // row ids of an .npz without id arrays (wals.LoadAny)
	WALS       wals.Config  `json:"wals"`                 // used when fitting
	ProjHidden int          `json:"proj_hidden"`
	LoRA       *lora.Config `json:"lora"` // nil: no adapters
	Full       bool         `json:"full"` // train every backbone weight in stage 2
	Seed       uint64       `json:"seed"`

	// The stages' training configurations, recorded by embrec train so
	// that --resume continues with exactly the same schedule.
	Stage1 *TrainConfig `json:"stage1,omitempty"`
	Stage2 *TrainConfig `json:"stage2,omitempty"`
	Valid  *Validation  `json:"validation,omitempty"`

	// Format and Inputs: see inputs.go (SealRun).
	Format int     `json:"format,omitempty"`
	Inputs []Input `json:"inputs,omitempty"`
}

// LoadData reads the dataset of a spec. Data "synth" is the built-in
// synthetic dataset (data.DefaultSynth); "synth:SEED" or
// "synth:seed=1,users=500,items=100,clusters=5,follow=0.5,minlen=5,maxlen=20"
// change its parameters.
func LoadData(spec RunSpec) (*data.Dataset, error) {
	if rest, ok := strings.CutPrefix(spec.Data, "synth"); ok && (rest == "" || rest[0] == ':') {
		c, err := ParseSynth(strings.TrimPrefix(rest, ":"))
		if err != nil {
			return nil, fmt.Errorf("data %q: %w", spec.Data, err)
		}
		d, err := data.Synth(c)
		if err == nil && spec.Name != "" {
			d.Name = spec.Name
		}
		return d, err
	}
	d, _, err := data.Load(spec.Data, data.LoadOptions{Name: spec.Name})
	return d, err
}

// ParseSynth reads "SEED" or "key=value,..." over data.DefaultSynth.
func ParseSynth(s string) (data.SynthConfig, error) {
	c := data.DefaultSynth
	if s == "" {
		return c, nil
	}
	if seed, err := strconv.ParseUint(s, 10, 64); err == nil {
		c.Seed = seed
		return c, nil
	}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return c, fmt.Errorf("synth parameter %q: want key=value", kv)
		}
		var err error
		switch k {
		case "seed":
			c.Seed, err = strconv.ParseUint(v, 10, 64)
		case "users":
			c.Users, err = strconv.Atoi(v)
		case "items":
			c.Items, err = strconv.Atoi(v)
		case "clusters":
			c.Clusters, err = strconv.Atoi(v)
		case "minlen":
			c.MinLen, err = strconv.Atoi(v)
		case "maxlen":
			c.MaxLen, err = strconv.Atoi(v)
		case "follow":
			c.Follow, err = strconv.ParseFloat(v, 64)
		default:
			return c, fmt.Errorf("unknown synth parameter %q (seed, users, items, clusters, minlen, maxlen, follow)", k)
		}
		if err != nil {
			return c, fmt.Errorf("synth parameter %q: %w", kv, err)
		}
	}
	return c, nil
}

// Built is a recommender with its inputs.
type Built struct {
	Spec      RunSpec
	Data      *data.Dataset
	Templates *data.TemplateSet
	Rec       *Recommender
	TokModel  []byte   // tokenizer.model bytes when built from the templates
	TokPath   string   // the tokenizer file loaded, when one was
	Factors   *Factors // the factors before standardisation (embed mode)
}

// Build assembles the recommender of spec on backend b, logging what it
// does to log.
func Build(spec RunSpec, b tensor.Backend, log io.Writer) (*Built, error) {
	d, err := LoadData(spec)
	if err != nil {
		return nil, err
	}
	ts, err := data.LoadTemplates(spec.Templates)
	if err != nil {
		return nil, err
	}
	var ix *data.Indexing
	switch spec.Indexing {
	case "", "sequential":
		ix = data.SequentialIndexing(d)
	case "random":
		ix = data.RandomIndexing(d, spec.Seed)
	default:
		return nil, fmt.Errorf("indexing %q: want sequential or random", spec.Indexing)
	}
	out := &Built{Spec: spec, Data: d, Templates: ts}
	var tok *tokenizer.Tokenizer
	var llm *llama.Model
	switch {
	case spec.Init == "random":
		if spec.Tokenizer != "" {
			tok, err = tokenizer.Load(spec.Tokenizer)
			out.TokPath = spec.Tokenizer
		} else {
			var extra []string
			switch spec.ItemTokens {
			case "", ItemDigits:
			case ItemWhole:
				extra = ItemWords(ix)
			default:
				return nil, fmt.Errorf("item tokens %q: want %s or %s", spec.ItemTokens, ItemDigits, ItemWhole)
			}
			out.TokModel, tok, err = TemplateTokenizer(ts, d.Name, extra...)
		}
		if err != nil {
			return nil, err
		}
		cfg, err := SmallConfig(spec.Config, tok.VocabSize(), 512, tok.BOS(), tok.EOS())
		if err != nil {
			return nil, err
		}
		llm, err = llama.NewRandom(cfg, b, llama.DefaultStd, spec.ModelSeed)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(log, "backbone: random %s LLaMA (C=%d, L=%d, NH=%d, V=%d, %d parameters)\n",
			spec.Config, cfg.Hidden, cfg.Layers, cfg.Heads, cfg.Vocab, cfg.NumParams())
	case spec.Model != "":
		llm, err = llama.Load(spec.Model, b)
		if err != nil {
			return nil, err
		}
		tp := spec.Tokenizer
		if tp == "" {
			tp = filepath.Join(spec.Model, "tokenizer.model")
			if _, err := os.Stat(tp); err != nil {
				tp = filepath.Join(spec.Model, "tokenizer.json")
			}
		}
		if tok, err = tokenizer.Load(tp); err != nil {
			return nil, err
		}
		out.TokPath = tp
		fmt.Fprintf(log, "backbone: %s (C=%d, L=%d, V=%d)\n", spec.Model, llm.Config.Hidden, llm.Config.Layers, llm.Config.Vocab)
	default:
		return nil, fmt.Errorf("no backbone: give --model DIR or --init random")
	}
	if fd, ok := b.(tensor.FrozenDTyper); ok && !spec.Full && fd.FrozenDType() != tensor.F32 {
		// A frozen backbone in the backend's native storage dtype (BF16 on
		// the GPU): half the memory, tensor-core products.
		if err := llm.Freeze(fd.FrozenDType()); err != nil {
			return nil, err
		}
		fmt.Fprintf(log, "backbone: frozen weights stored as %v on %s\n", fd.FrozenDType(), b.Name())
	}
	mode := TextIDs
	var f *Factors
	var users *UserFolder
	switch spec.Mode {
	case "text":
	case "", "embed":
		mode = Embeddings
		if spec.Factors != "" {
			f, err = LoadFactors(spec.Factors, spec.FactorIDs, d)
		} else {
			var opt wals.FitOptions
			if cpu, ok := b.(*tensor.CPU); ok {
				opt.MemLimit = cpu.MemLimit() // the backend's memory budget covers the fit too
			}
			f, err = FitFactors(d, spec.WALS, opt)
		}
		if err != nil {
			return nil, err
		}
		out.Factors = &Factors{K: f.K, User: append([]float32(nil), f.User...), Item: append([]float32(nil), f.Item...), Fit: f.Fit}
		us, is := f.Standardize()
		fmt.Fprintf(log, "factors: K=%d (user rms %.3g, item rms %.3g, standardised)\n", f.K, us, is)
		if users, err = userFolder(&spec, out.Factors, us, log); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("mode %q: want embed or text", spec.Mode)
	}
	if users == nil && spec.UserVectors != "" && spec.UserVectors != UserVectorsFitted {
		return nil, fmt.Errorf("user vectors %q need mode embed", spec.UserVectors)
	}
	out.Spec = spec
	if spec.HistoryTargets && (mode != Embeddings || spec.ItemTokens != ItemWhole) {
		return nil, fmt.Errorf("history targets need mode embed and one token per item (item tokens whole)")
	}
	enc := &Encoder{Tok: tok, Data: d, Ix: ix, Mode: mode, Users: users, HistoryTargets: spec.HistoryTargets}
	if spec.Stage2 != nil {
		enc.MaxHistory = spec.Stage2.MaxHistory // the prompts the run trains on are the prompts it is evaluated on
	}
	rec, err := NewRecommender(llm, enc, f, Options{Mode: mode, ProjHidden: spec.ProjHidden, LoRA: spec.LoRA, Full: spec.Full, Seed: spec.Seed})
	if err != nil {
		return nil, err
	}
	out.Rec = rec
	if spec.ItemHead == ItemHeadTied || spec.ItemHead == ItemHeadTiedID {
		tpl, err := ts.Get("sequential", "seen:0")
		if err != nil {
			return nil, err
		}
		if err := rec.TieItemHead(tpl, spec.ItemHead == ItemHeadTiedID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Run-directory file names.
const (
	SpecFile       = "run.json"
	CheckpointFile = "checkpoint.safetensors"
	MetricsFile    = "metrics.jsonl"
	TokenizerFile  = "tokenizer.model"
)

// SaveSpec writes spec as run.json in dir (atomically).
func SaveSpec(dir string, spec RunSpec) error {
	js, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, SpecFile), func(w *bufio.Writer) error {
		_, err := w.Write(append(js, '\n'))
		return err
	})
}

// LoadSpec reads run.json from dir, with its paths resolved against dir
// (see resolvePaths); VerifyInputs then checks its inputs.
func LoadSpec(dir string) (RunSpec, error) {
	var s RunSpec
	js, err := os.ReadFile(filepath.Join(dir, SpecFile))
	if err != nil {
		return s, fmt.Errorf("run directory: %w", err)
	}
	if err := json.Unmarshal(js, &s); err != nil {
		return s, fmt.Errorf("%s: %w", filepath.Join(dir, SpecFile), err)
	}
	if s.Format > RunFormat {
		return s, fmt.Errorf("%s: format %d, this embrec reads up to %d", filepath.Join(dir, SpecFile), s.Format, RunFormat)
	}
	s.resolvePaths(dir)
	return s, nil
}

// userFolder returns the fold-in of spec's user vectors over the raw
// factors f (nil for the fitted rows), settling spec.FoldIn on first use.
func userFolder(spec *RunSpec, f *Factors, userScale float64, log io.Writer) (*UserFolder, error) {
	switch spec.UserVectors {
	case "", UserVectorsFitted:
		return nil, nil
	case UserVectorsFoldIn:
	default:
		return nil, fmt.Errorf("user vectors %q: want %s or %s", spec.UserVectors, UserVectorsFitted, UserVectorsFoldIn)
	}
	if spec.FoldIn == nil {
		fs := FoldInSpec{Reg: spec.WALS.Reg, Alpha: spec.WALS.Alpha}
		from := "the WALS flags"
		if f.Fit != nil {
			fs, from = *f.Fit, "the factors' fit"
		}
		spec.FoldIn = &fs
		fmt.Fprintf(log, "user vectors: folded in from the history before each target (reg %g, alpha %g, from %s)\n", fs.Reg, fs.Alpha, from)
	}
	return NewUserFolder(f, *spec.FoldIn, userScale)
}
