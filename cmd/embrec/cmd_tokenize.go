// The tokenize command: encode text to ids, or decode ids to text, with a
// SentencePiece tokenizer.model or an HF tokenizer.json.

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"embrec/llama/tokenizer"
)

// tokenizeOut is where the command prints (tests may replace it).
var tokenizeOut io.Writer = os.Stdout

func init() {
	register(&command{
		name:    "tokenize",
		summary: "encode TEXT to token ids (or decode ids with --decode) using a tokenizer.model or tokenizer.json",
		usage: "tokenize --tokenizer FILE [--bos] [--pieces] TEXT...\n" +
			"       embrec tokenize --tokenizer FILE --decode ID...\n\n" +
			"TEXT words are joined with one space; without TEXT the text is read from standard input\n" +
			"(one final newline removed). Ids are printed space-separated on one line; --decode prints\n" +
			"the text followed by a newline. Example:\n" +
			"  embrec tokenize --tokenizer tokenizer.model --bos \"Beauty item_1234\"\n" +
			"  embrec tokenize --tokenizer tokenizer.model --decode 1 19618 29891 2944 29918 29896 29906 29941 29946",
		run: runTokenize,
	})
}

func runTokenize(fs *flag.FlagSet, args []string) error {
	path := fs.String("tokenizer", "", "tokenizer file: SentencePiece tokenizer.model or HF tokenizer.json (required)")
	decode := fs.Bool("decode", false, "decode: the arguments are token ids, print the text")
	bos := fs.Bool("bos", false, "put the BOS id first when encoding")
	showPieces := fs.Bool("pieces", false, "print pieces instead of ids when encoding")
	// Flags may come before or after the positional arguments.
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if *path == "" {
		fs.Usage()
		return errors.New("--tokenizer FILE is required")
	}
	tok, err := tokenizer.Load(*path)
	if err != nil {
		return err
	}
	if *decode {
		var ids []int32
		for _, a := range rest {
			for _, f := range strings.Fields(a) {
				v, err := strconv.ParseInt(f, 10, 32)
				if err != nil || v < 0 || int(v) >= tok.VocabSize() {
					return fmt.Errorf("id %q: want an integer in [0, %d)", f, tok.VocabSize())
				}
				ids = append(ids, int32(v))
			}
		}
		_, err := fmt.Fprintln(tokenizeOut, tok.Decode(ids))
		return err
	}
	var text string
	if len(rest) > 0 {
		text = strings.Join(rest, " ")
	} else {
		b, err := io.ReadAll(os.Stdin)
		if err != nil {
			return fmt.Errorf("read standard input: %w", err)
		}
		text = strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	}
	ids := tok.Encode(text)
	if *bos {
		ids = tok.EncodeBOS(text)
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		if *showPieces {
			out[i] = strconv.Quote(tok.Piece(id))
		} else {
			out[i] = strconv.Itoa(int(id))
		}
	}
	_, err = fmt.Fprintln(tokenizeOut, strings.Join(out, " "))
	return err
}
