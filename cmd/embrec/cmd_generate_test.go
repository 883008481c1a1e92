package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConvertGenerate converts stories260K and generates from it, checking
// the greedy ids against the reference and the size of the logits dump.
func TestConvertGenerate(t *testing.T) {
	src := filepath.Join("..", "..", "..", "shared", "models", "stories260K")
	if _, err := os.Stat(src); err != nil {
		t.Skipf("reference files absent, skipping (%v)", err)
	}
	dir := filepath.Join(t.TempDir(), "m")
	var out, errb bytes.Buffer
	old, oldG := convertOut, generateOut
	convertOut, generateOut = &out, &out
	defer func() { convertOut, generateOut = old, oldG }()
	if rc := runMain([]string{"convert", "llama2c", "--in", filepath.Join(src, "stories260K.bin"),
		"--tokenizer", filepath.Join(src, "tok512.model"), "--out", dir}, &out, &errb); rc != 0 {
		t.Fatalf("convert rc %d: %s", rc, errb.String())
	}
	out.Reset()
	dump := filepath.Join(t.TempDir(), "l.f32")
	if rc := runMain([]string{"generate", "--model", dir, "--ids", "1", "--max-tokens", "8",
		"--print-ids", "--dump-logits", dump}, &out, &errb); rc != 0 {
		t.Fatalf("generate rc %d: %s", rc, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if got := lines[len(lines)-1]; got != "403 407 261 378 432 383 286 261" {
		t.Errorf("greedy ids %q", got)
	}
	if st, err := os.Stat(dump); err != nil || st.Size() != 9*512*4 {
		t.Errorf("logits dump: %v, size %d, want %d", err, st.Size(), 9*512*4)
	}
	out.Reset()
	if rc := runMain([]string{"generate", "--model", dir, "--prompt", "Once upon a time", "--max-tokens", "20",
		"--temperature", "0.8", "--top-p", "0.9", "--seed", "3"}, &out, &errb); rc != 0 || out.Len() == 0 {
		t.Fatalf("generate --prompt rc %d: %s", rc, errb.String())
	}
}
