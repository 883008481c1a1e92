// The generate command: continue a prompt with a LLaMA model directory
// (greedy, temperature or top-p sampling), optionally dumping the logits of
// every position for comparison with another implementation.

package main

import (
	"embrec/internal/atomicfile"

	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"embrec/llama"
	"embrec/llama/tokenizer"
	"embrec/tensor"
	"embrec/tensor/half"
)

// generateOut is where the command prints (tests may replace it).
var generateOut io.Writer = os.Stdout

func init() {
	register(&command{
		name:    "generate",
		summary: "continue a prompt with a LLaMA model directory (HF layout)",
		usage: "generate --model DIR (--prompt TEXT | --ids \"1 2 3\") [--max-tokens N] [--temperature 0]\n" +
			"                [--top-p P] [--seed S] [--stop-eos] [--dump-logits FILE] [--print-ids] [--threads T]\n\n" +
			"--prompt is tokenized with DIR/tokenizer.model (or tokenizer.json) and BOS is put first;\n" +
			"--ids is used exactly as given (no BOS). The continuation is printed as text when a tokenizer\n" +
			"is present, else as ids. --dump-logits writes raw little-endian float32 [T][V], the logits at\n" +
			"every position, prompt and generated. Example:\n" +
			"  embrec generate --model /tmp/stories260K --ids 1 --max-tokens 256 --dump-logits /tmp/l.f32",
		run: runGenerate,
	})
}

func runGenerate(fs *flag.FlagSet, args []string) error {
	dir := fs.String("model", "", "model directory: config.json, model.safetensors (or shards), tokenizer")
	prompt := fs.String("prompt", "", "prompt text (BOS added)")
	idsFlag := fs.String("ids", "", "prompt token ids, space- or comma-separated, used as given")
	maxTok := fs.Int("max-tokens", 64, "new tokens to generate")
	temp := fs.Float64("temperature", 0, "sampling temperature (0: greedy)")
	topP := fs.Float64("top-p", 0, "nucleus sampling mass in (0, 1) (0: off)")
	seed := fs.Uint64("seed", 0, "sampler seed")
	stopEOS := fs.Bool("stop-eos", true, "stop at the model's eos_token_id")
	dump := fs.String("dump-logits", "", "write the logits of every position to FILE (raw little-endian float32 [T][V])")
	printIDs := fs.Bool("print-ids", false, "also print the generated ids on a line of their own")
	threads := fs.Int("threads", 0, "CPU threads (0: GOMAXPROCS)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *dir == "" || (*prompt == "") == (*idsFlag == "") {
		fs.Usage()
		return errors.New("--model and exactly one of --prompt and --ids are required")
	}
	if err := validateGenerate(*maxTok, *threads, *temp, *topP); err != nil {
		return err
	}
	var tok *tokenizer.Tokenizer
	for _, name := range []string{"tokenizer.model", "tokenizer.json"} {
		p := filepath.Join(*dir, name)
		if _, err := os.Stat(p); err == nil {
			if tok, err = tokenizer.Load(p); err != nil {
				return err
			}
			break
		}
	}
	var ids []int32
	if *idsFlag != "" {
		for _, f := range strings.FieldsFunc(*idsFlag, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' }) {
			v, err := strconv.ParseInt(f, 10, 32)
			if err != nil {
				return fmt.Errorf("--ids: %q is not an integer", f)
			}
			ids = append(ids, int32(v))
		}
	} else {
		if tok == nil {
			return fmt.Errorf("--prompt needs %s/tokenizer.model or tokenizer.json; use --ids", *dir)
		}
		ids = tok.EncodeBOS(*prompt)
	}
	if len(ids) == 0 {
		return errors.New("empty prompt")
	}
	b := tensor.NewCPU(*threads)
	m, err := llama.Load(*dir, b)
	if err != nil {
		return err
	}
	defer m.Close()
	opt := llama.SampleOptions{MaxTokens: *maxTok, Temperature: float32(*temp), TopP: float32(*topP), Seed: *seed}
	if *stopEOS && m.Config.EOS >= 0 {
		opt.Stop = []int32{m.Config.EOS}
	}
	var logits []byte
	if *dump != "" {
		V := m.Config.Vocab
		opt.OnLogits = func(_, pos int, lg []float32) {
			buf := make([]byte, 4*V)
			half.EncodeF32(buf, lg)
			logits = append(logits, buf...)
		}
	}
	out, err := m.Generate([][]int32{ids}, opt)
	if err != nil {
		return err
	}
	if *dump != "" {
		if err := atomicfile.WriteFile(*dump, logits); err != nil {
			return err
		}
	}
	gen := out[0]
	if tok != nil {
		if _, err := fmt.Fprintln(generateOut, tok.Decode(gen)); err != nil {
			return err
		}
	}
	if tok == nil || *printIDs {
		s := make([]string, len(gen))
		for i, id := range gen {
			s[i] = strconv.Itoa(int(id))
		}
		if _, err := fmt.Fprintln(generateOut, strings.Join(s, " ")); err != nil {
			return err
		}
	}
	return nil
}
