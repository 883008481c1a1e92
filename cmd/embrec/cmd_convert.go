// The convert command: turn other checkpoint formats into an HF
// LlamaForCausalLM directory ("embrec convert llama2c ...").

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"embrec/llama"
)

// convertOut is where the command reports (tests may replace it).
var convertOut io.Writer = os.Stdout

func init() {
	register(&command{
		name:    "convert",
		summary: "convert a llama2.c checkpoint into an HF LlamaForCausalLM directory",
		usage: "convert llama2c --in MODEL.bin --tokenizer tokenizer.model --out DIR\n\n" +
			"Writes DIR/config.json, DIR/model.safetensors (F32; q/k rows permuted for rotate-half\n" +
			"RoPE, lm_head written out) and DIR/tokenizer.model (a copy). Example:\n" +
			"  embrec convert llama2c --in stories260K.bin --tokenizer tok512.model --out /tmp/stories260K",
		run: runConvert,
	})
}

func runConvert(fs *flag.FlagSet, args []string) error {
	in := fs.String("in", "", "llama2.c checkpoint (v0 .bin format)")
	tok := fs.String("tokenizer", "", "its SentencePiece tokenizer.model")
	out := fs.String("out", "", "output directory (created)")
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		fs.Usage()
		if len(args) == 0 {
			return errors.New("missing format: convert llama2c ...")
		}
		return flag.ErrHelp
	}
	if args[0] != "llama2c" {
		return fmt.Errorf("unknown source format %q (supported: llama2c)", args[0])
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *in == "" || *tok == "" || *out == "" {
		return errors.New("--in, --tokenizer and --out are required")
	}
	if err := llama.ConvertLlama2C(*in, *tok, *out); err != nil {
		return err
	}
	_, err := fmt.Fprintf(convertOut, "wrote %s\n", *out)
	return err
}
