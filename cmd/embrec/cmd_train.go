// The train command: build a recommender from flags, run stage 1 and
// stage 2 into a run directory with checkpoints, progress and a metrics
// log; SIGINT/SIGTERM save a checkpoint and exit cleanly.

package main

import (
	"embrec/llama"
	"math"

	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"embrec/lora"
	"embrec/tensor"
	"embrec/train"
	"embrec/wals"
)

func init() {
	register(&command{
		name:    "train",
		summary: "train the recommender: stage 1 (projectors) then stage 2 (projectors + LoRA), with checkpoints",
		usage: "train --data FILE|synth[:SEED] --out DIR (--model DIR | --init random --config tiny|small|base)\n" +
			"            [--mode embed|text] [--factors FILE] [--stage1-steps N] [--steps N] [--batch 16] [--lr 1e-3] ...\n\n" +
			"Embed mode (the paper's method) injects f_u(U[user]) and f_i(V[item]) from WALS factors at the\n" +
			"user and history-item positions of OpenP5 prompts; text mode writes the ids as text (OpenP5's\n" +
			"Llama-S / Llama-R baselines, with --indexing sequential|random). Stage 1 trains the projectors\n" +
			"with the backbone frozen; stage 2 continues with LoRA (--lora-rank 0 disables it) or, with\n" +
			"--full, every backbone weight (for small from-scratch backbones). The run directory gets\n" +
			"run.json, checkpoint.safetensors (every --save-every steps, at the end, and on Ctrl-C),\n" +
			"stage1.safetensors, metrics.jsonl, adapter/ (the LoRA adapter in PEFT's format), the tokenizer\n" +
			"and factors.safetensors it trained with. --resume continues a run bit for bit from its\n" +
			"checkpoint; a non-empty --out is refused otherwise, unless --overwrite. A diverging run (NaN or\n" +
			"Inf loss) stops, keeps its last good checkpoint and writes diverged.json.\n" +
			"Example:\n" +
			"  embrec train --data ../shared/data/LastFM/user_sequence.txt --init random --config small --full \\\n" +
			"      --stage1-steps 200 --steps 2000 --out runs/lastfm-embed",
		run: runTrain,
	})
}

// specFlags are the flags that define a RunSpec (shared with demo).
type specFlags struct {
	data, name, indexing, templates *string
	model, init, config, tok        *string
	modelSeed, seed                 *uint64
	itemTokens, itemHead            *string
	mode, factors, factorIDs        *string
	walsK, walsIters                *int
	walsReg, walsAlpha              *float64
	projHidden, loraRank            *int
	loraAlpha                       *float64
	loraDropout                     *float64
	loraTargets                     *string
	full                            *bool
	userVectors                     *string
	historyTargets                  *bool
}

func addSpecFlags(fs *flag.FlagSet) *specFlags {
	wd := wals.DefaultConfig()
	ld := lora.DefaultConfig()
	return &specFlags{
		data:           fs.String("data", "", "user_sequence.txt, or synth[:SEED] for the built-in synthetic dataset"),
		name:           fs.String("name", "", "dataset name in prompts (default: the data file's directory name)"),
		indexing:       fs.String("indexing", "sequential", "item ids in text: sequential or random (OpenP5)"),
		templates:      fs.String("templates", "", "OpenP5-format template file (default: embrec's built-in set)"),
		model:          fs.String("model", "", "HF LLaMA model directory (config.json, safetensors, tokenizer)"),
		init:           fs.String("init", "", "random: a from-scratch backbone of --config shape instead of --model"),
		config:         fs.String("config", "small", "shape of a random backbone: tiny, small or base"),
		tok:            fs.String("tokenizer", "", "tokenizer file (default: the model's; for --init random, built from the templates)"),
		modelSeed:      fs.Uint64("model-seed", 1, "initialisation seed of a random backbone"),
		itemHead:       fs.String("item-head", "random", "with --item-tokens whole --full: each item token's lm_head row as initialised (random), f_i(V[item]) at stage 2's start (wals), f_i(V[item]) always, the projector scoring the items (tied), or tied plus a free vector per item, the item token's embedding, added at the head and at the history slots (tied-id)"),
		itemTokens:     fs.String("item-tokens", "digits", "--init random's vocabulary: item ids as digits (like LLaMA's tokenizer) or whole (one token per item)"),
		seed:           fs.Uint64("seed", 1, "seed of projectors, LoRA, data order, templates and dropout"),
		mode:           fs.String("mode", "embed", "embed (the method) or text (ids as text)"),
		factors:        fs.String("factors", "", factorsHelp+" (default: fit WALS on the training split)"),
		factorIDs:      fs.String("factor-ids", "", factorIDsHelp),
		walsK:          fs.Int("wals-factors", 64, "factors K when fitting WALS here"),
		walsIters:      fs.Int("wals-iters", wd.Iters, "WALS iterations when fitting here"),
		walsReg:        fs.Float64("wals-reg", wd.Reg, "WALS regularisation when fitting here"),
		walsAlpha:      fs.Float64("wals-alpha", wd.Alpha, "WALS confidence alpha when fitting here"),
		projHidden:     fs.Int("proj-hidden", 0, "projector hidden width (0 = the backbone's hidden size)"),
		loraRank:       fs.Int("lora-rank", ld.Rank, "LoRA rank (0: no adapters; with --full, adapters only when given)"),
		loraAlpha:      fs.Float64("lora-alpha", ld.Alpha, "LoRA alpha (scale = alpha/rank)"),
		loraDropout:    fs.Float64("lora-dropout", float64(ld.Dropout), "LoRA dropout"),
		loraTargets:    fs.String("lora-targets", strings.Join(ld.Targets, ","), "comma-separated projections with adapters"),
		full:           fs.Bool("full", false, "stage 2 trains every backbone weight (small backbones)"),
		historyTargets: fs.Bool("history-targets", false, "with --item-tokens whole: every history slot of a training prompt also predicts the next item, as SASRec trains every position; an epoch is then one prompt per window of --max-history targets, and a folded-in user vector (--user-vectors foldin) covers the items before the shown history"),
		userVectors:    fs.String("user-vectors", "fitted", "the injected user vector: the user's fitted WALS row (fitted, the paper's), or folded in from the items before each target against the item factors (foldin: the vector never saw the target)"),
	}
}

func (f *specFlags) spec(fs *flag.FlagSet) (train.RunSpec, error) {
	if *f.data == "" {
		return train.RunSpec{}, errors.New("--data is required (a user_sequence.txt file, or synth)")
	}
	wc := wals.DefaultConfig()
	wc.Factors, wc.Iters, wc.Reg, wc.Alpha = *f.walsK, *f.walsIters, *f.walsReg, *f.walsAlpha
	s := train.RunSpec{Data: *f.data, Name: *f.name, Indexing: *f.indexing, Templates: *f.templates,
		Model: *f.model, Init: *f.init, Config: *f.config, Tokenizer: *f.tok, ModelSeed: *f.modelSeed, ItemTokens: *f.itemTokens, ItemHead: *f.itemHead,
		Mode: *f.mode, Factors: *f.factors, FactorIDs: *f.factorIDs, WALS: wc, ProjHidden: *f.projHidden, Full: *f.full, Seed: *f.seed,
		UserVectors: *f.userVectors, HistoryTargets: *f.historyTargets}
	rankSet := false
	fs.Visit(func(fl *flag.Flag) { rankSet = rankSet || fl.Name == "lora-rank" })
	if *f.loraRank > 0 && (!*f.full || rankSet) { // --full alone trains every weight, no adapters
		s.LoRA = &lora.Config{Rank: *f.loraRank, Alpha: *f.loraAlpha, Dropout: float32(*f.loraDropout),
			Targets: strings.Split(*f.loraTargets, ",")}
	}
	if s.Init != "" && s.Init != "random" {
		return s, fmt.Errorf("--init %q: only random is supported", s.Init)
	}
	if s.ItemTokens != train.ItemDigits && s.ItemTokens != train.ItemWhole {
		return s, fmt.Errorf("--item-tokens %q: want %s or %s", s.ItemTokens, train.ItemDigits, train.ItemWhole)
	}
	if s.ItemHead != train.ItemHeadRandom && s.ItemHead != train.ItemHeadWALS && s.ItemHead != train.ItemHeadTied && s.ItemHead != train.ItemHeadTiedID {
		return s, fmt.Errorf("--item-head %q: want %s, %s, %s or %s", s.ItemHead, train.ItemHeadRandom, train.ItemHeadWALS, train.ItemHeadTied, train.ItemHeadTiedID)
	}
	if s.ItemHead != train.ItemHeadRandom && (s.ItemTokens != train.ItemWhole || !s.Full || s.Mode == "text") {
		return s, fmt.Errorf("--item-head %s needs --item-tokens whole, --full and --mode embed", s.ItemHead)
	}
	if s.UserVectors != train.UserVectorsFitted && s.UserVectors != train.UserVectorsFoldIn {
		return s, fmt.Errorf("--user-vectors %q: want %s or %s", s.UserVectors, train.UserVectorsFitted, train.UserVectorsFoldIn)
	}
	if s.HistoryTargets && (s.ItemTokens != train.ItemWhole || s.Mode == "text") {
		return s, errors.New("--history-targets needs --item-tokens whole and --mode embed")
	}
	if s.UserVectors == train.UserVectorsFoldIn && s.Mode == "text" {
		return s, errors.New("--user-vectors foldin needs --mode embed")
	}
	if s.ItemTokens == train.ItemWhole && (s.Init != "random" || s.Tokenizer != "") {
		return s, errors.New("--item-tokens whole builds the vocabulary of --init random; a given model or --tokenizer keeps its own")
	}
	return s, nil
}

// trainFlags are the optimisation flags of both stages.
type trainFlags struct {
	steps1, steps, batch, accum, warmup *int
	lr, lr1, wd, clip                   *float64
	dropout, residDrop, beta2           *float64
	tasks                               *string
	history                             *int
}

func addTrainFlags(fs *flag.FlagSet) *trainFlags {
	d := train.DefaultTrainConfig()
	return &trainFlags{
		steps1:    fs.Int("stage1-steps", 100, "stage 1 steps (projectors only; 0 skips stage 1)"),
		steps:     fs.Int("steps", d.Steps, "stage 2 steps"),
		batch:     fs.Int("batch", d.Batch, "examples per micro-batch"),
		accum:     fs.Int("accum", d.Accum, "micro-batches per step (gradient accumulation)"),
		warmup:    fs.Int("warmup", d.Warmup, "linear warmup steps of each stage"),
		lr:        fs.Float64("lr", d.LR, "stage 2 peak learning rate"),
		lr1:       fs.Float64("stage1-lr", 0, "stage 1 peak learning rate (0 = --lr)"),
		wd:        fs.Float64("weight-decay", d.WeightDecay, "AdamW weight decay"),
		clip:      fs.Float64("clip", d.Clip, "global gradient-norm clipping (0: off)"),
		tasks:     fs.String("tasks", strings.Join(d.Tasks, ","), "tasks alternated batch by batch"),
		beta2:     fs.Float64("beta2", d.Beta2, "AdamW's second-moment decay (SASRec uses 0.98: rare items' embedding rows then adapt faster)"),
		history:   fs.Int("max-history", d.MaxHistory, "items of history a prompt shows, most recent last (OpenP5's max_his); evaluation and serving use the run's"),
		dropout:   fs.Float64("input-dropout", 0, "dropout rate on the input embeddings of training batches (token embeddings and injected vectors; SASRec's regulariser), in [0, 1)"),
		residDrop: fs.Float64("residual-dropout", 0, "dropout rate on each block's attention and MLP outputs before the residual additions in training batches (SASRec's dropout inside its blocks), in [0, 1)"),
	}
}

func (f *trainFlags) configs(seed uint64) (s1, s2 train.TrainConfig) {
	c := train.DefaultTrainConfig()
	c.Batch, c.Accum, c.Warmup, c.WeightDecay, c.Clip, c.Seed = *f.batch, *f.accum, *f.warmup, *f.wd, *f.clip, seed
	c.InputDropout, c.ResidualDropout = float32(*f.dropout), float32(*f.residDrop)
	c.Beta2, c.MaxHistory = *f.beta2, *f.history
	c.Tasks = strings.Split(*f.tasks, ",")
	s1, s2 = c, c
	s1.Stage, s2.Stage = 1, 2
	s1.Steps, s2.Steps = *f.steps1, *f.steps
	s1.LR, s2.LR = *f.lr, *f.lr
	if *f.lr1 > 0 {
		s1.LR = *f.lr1
	}
	return s1, s2
}

func runTrain(fs *flag.FlagSet, args []string) error {
	sf := addSpecFlags(fs)
	tf := addTrainFlags(fs)
	out := fs.String("out", "", "run directory (required)")
	saveEvery := fs.Int("save-every", 100, "checkpoint every N steps (and at the end, and on Ctrl-C)")
	flash := fs.Bool("flash-attention", false, "cuda: train with the fused attention kernels (no softmax kept in memory)")
	epochs := fs.Float64("epochs", 0, "stage 2 length in passes over the training samples (overrides --steps; 0: use --steps)")
	var v train.Validation
	fs.IntVar(&v.Every, "eval-every", 0, "validate stage 2 every N steps on --valid-users validation users, keeping best.safetensors (0: off)")
	fs.IntVar(&v.Users, "valid-users", 500, "validation users: a fixed uniform sample of N (the same for every run of a dataset; 0: all)")
	v.Sample = train.ValidSampleRandom
	fs.IntVar(&v.Patience, "patience", 0, "stop stage 2 after N validations without a better NDCG@10 (0: never)")
	resume := fs.Bool("resume", false, "continue the run in --out from its checkpoint (its run.json, schedule included, wins over flags)")
	accept := addAcceptFlag(fs)
	overwrite := fs.Bool("overwrite", false, "replace the run files of a non-empty --out (a fresh run refuses it otherwise)")
	dev := addDeviceFlags(fs)
	cpuProfile := fs.String("cpuprofile", "", "write a Go CPU profile of the whole run to this file (go tool pprof)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	if err := validateTrain(fs, sf, tf, *out, *saveEvery, *resume, *overwrite, dev); err != nil {
		return err
	}
	if err := validateSchedule(*epochs, v); err != nil {
		return err
	}
	var spec train.RunSpec
	var err error
	if *resume {
		if spec, err = train.LoadSpecVerified(*out, *accept, func(err error) { fmt.Fprintf(os.Stderr, "embrec: warning: %v\n", err) }); err != nil {
			return err
		}
	} else if spec, err = sf.spec(fs); err != nil {
		return err
	}
	unlock, err := openRunDir(*out, *resume, *overwrite)
	if err != nil {
		return err
	}
	defer unlock()
	ctx, stop := signalContext(context.Background())
	defer stop()
	s1, s2 := tf.configs(spec.Seed)
	if *resume && spec.Stage1 != nil && spec.Stage2 != nil {
		s1, s2 = *spec.Stage1, *spec.Stage2 // the run's own schedule, whatever the flags say
	}
	if *resume && spec.Valid != nil {
		v = *spec.Valid
	}
	spec.Stage1, spec.Stage2, spec.Valid = &s1, &s2, &v
	b, err := dev.backend()
	if err != nil {
		return err
	}
	if *resume {
		*epochs = 0 // the recorded schedule already says how many steps
	}
	return trainRun(ctx, spec, *epochs, *out, *saveEvery, *resume, *flash, b, os.Stdout)
}

// trainRun builds the recommender and trains both stages into dir; with
// epochs > 0, stage 2 runs that many passes over the training samples.
func trainRun(ctx context.Context, spec train.RunSpec, epochs float64, dir string, saveEvery int, resume, flash bool, b tensor.Backend, w io.Writer) error {
	fmt.Fprintf(w, "backend: %s\n", b.Name())
	built, err := train.Build(spec, b, w)
	if err != nil {
		return err
	}
	s1, s2 := *spec.Stage1, *spec.Stage2
	if epochs > 0 {
		n := len(built.Rec.Enc.TrainSamples())
		s2.Steps = int(math.Ceil(epochs * float64(n) / float64(s2.Batch*s2.Accum)))
		spec.Stage2 = &s2
		fmt.Fprintf(w, "stage 2: %g epochs of %d samples = %d steps\n", epochs, n, s2.Steps)
	}
	var v train.Validation
	if spec.Valid != nil {
		v = *spec.Valid
	}
	if flash && !llama.FlashAttentionSupported(b, built.Rec.LLM.Config) {
		return fmt.Errorf("--flash-attention: backend %s has no fused attention for head size %d", b.Name(), built.Rec.LLM.Config.HeadSize)
	}
	built.Rec.FlashAttention = flash
	if err := train.CheckStages(built, s1, s2); err != nil {
		return err
	}
	if !resume {
		// run.json with every input's hash; the tokenizer and factors
		// copied into the run directory.
		if spec, err = train.SealRun(dir, spec, built); err != nil {
			return err
		}
	}
	mf, err := os.OpenFile(filepath.Join(dir, train.MetricsFile), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer mf.Close()
	enc := json.NewEncoder(mf)
	// A metrics line that cannot be written stops the run (after its
	// checkpoint), with that error as the cause.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	prog := newProgress(w)
	var total, tokens int
	var start time.Time
	err = train.RunStages(ctx, built, s1, s2, dir, saveEvery, resume, v, train.Hooks{
		OnStart: func(stage int, t *train.Trainer) {
			total, tokens, start = t.Cfg.Steps, 0, time.Now()
			fmt.Fprintf(w, "stage %d: %d steps from step %d, trained: %d parameters\n", stage, t.Cfg.Steps, t.Step, t.TrainedParams())
			prog.start(t.Step)
		},
		OnStep: func(stage int, st train.StepStats) {
			tokens += st.Tokens
			el := time.Since(start).Seconds()
			rec := struct {
				Stage int `json:"stage"`
				train.StepStats
			}{stage, st}
			if err := enc.Encode(rec); err != nil && context.Cause(ctx) == nil {
				cancel(fmt.Errorf("write %s: %w", mf.Name(), err))
			}
			prog.step(stage, st, total, float64(tokens)/el)
		},
		OnValid: func(st train.ValidStats) {
			if err := enc.Encode(st); err != nil && context.Cause(ctx) == nil {
				cancel(fmt.Errorf("write %s: %w", mf.Name(), err))
			}
			best := ""
			if st.Best {
				best = " (best: " + train.BestFile + ")"
			}
			prog.note(fmt.Sprintf("stage %d step %d: validation HR@10 %.4f NDCG@10 %.4f on %d users, %.0fs%s",
				st.Stage, st.Step, st.HR10, st.NDCG10, st.Users, st.Seconds, best))
		},
		OnSaved: func(stage int, path string, step int) {
			prog.checkpoint(stage, step, total, path)
		},
	})
	prog.done()
	if err := trainStopped(err, dir, s1, s2, context.Cause(ctx)); err != nil {
		return err
	}
	if err := mf.Close(); err != nil {
		return fmt.Errorf("write %s: %w", mf.Name(), err)
	}
	if a := built.Rec.Adapters; a != nil {
		ad := filepath.Join(dir, "adapter")
		if err := a.Save(ad, spec.Model); err != nil {
			return err
		}
		fmt.Fprintf(w, "LoRA adapter in PEFT format: %s\n", ad)
	}
	return nil
}
