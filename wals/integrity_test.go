// Numerical failure is refused, never written or read: NaN and ±Inf
// hyper-parameters, non-finite factors in a file, and fits too large for
// the machine's memory.

package wals

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"embrec/tensor/safetensors"
)

func TestFitRefusesNonFiniteConfig(t *testing.T) {
	r := randomMatrix(9, 7, 0.3, 1)
	for _, c := range []Config{
		{Factors: 3, Iters: 2, Reg: math.NaN(), Alpha: 1, CGSteps: 3, InitScale: 0.1},
		{Factors: 3, Iters: 2, Reg: 0.1, Alpha: math.Inf(1), CGSteps: 3, InitScale: 0.1},
		{Factors: 3, Iters: 2, Reg: 0.1, Alpha: 1, CGSteps: 3, InitScale: math.NaN()},
	} {
		if _, err := Fit(r, c, FitOptions{}); err == nil {
			t.Errorf("Fit accepted %+v", c)
		}
	}
}

func TestFitRefusesWhatDoesNotFit(t *testing.T) {
	r := randomMatrix(9, 7, 0.3, 1)
	_, err := Fit(r, Config{Factors: 100000, Iters: 1, Reg: 0.1, Alpha: 1, CGSteps: 3, InitScale: 0.1}, FitOptions{MemLimit: 1000000})
	if err == nil || !strings.Contains(err.Error(), "100000 factors") || !strings.Contains(err.Error(), "memory") {
		t.Fatalf("got %v", err)
	}
}

func TestSaveLoadRefuseNonFinite(t *testing.T) {
	r := randomMatrix(9, 7, 0.3, 1)
	m, err := Fit(r, Config{Factors: 3, Iters: 1, Reg: 0.1, Alpha: 1, CGSteps: 3, Seed: 1, InitScale: 0.1}, FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	users := strings.Fields("a b c d e f g h i")
	items := strings.Fields("p q r s t u v")
	dir := t.TempDir()
	m.Y[5] = float32(math.NaN())
	if err := Save(filepath.Join(dir, "bad.safetensors"), m, users, items, nil); err == nil || !strings.Contains(err.Error(), "item_factors") {
		t.Errorf("Save of NaN factors: %v", err)
	}
	// A file written by another tool with an infinite user factor.
	x := append([]float32(nil), m.X...)
	x[4] = float32(math.Inf(-1))
	p := filepath.Join(dir, "inf.safetensors")
	md := map[string]string{"format": FileFormat, "user_ids": strings.Join(users, "\n"), "item_ids": strings.Join(items, "\n")}
	if err := safetensors.Write(p, []safetensors.Tensor{
		safetensors.F32Tensor("user_factors", []int{9, 3}, x),
		safetensors.F32Tensor("item_factors", []int{7, 3}, make([]float32, 21)),
	}, md); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(p); err == nil || !strings.Contains(err.Error(), `"user_factors"`) || !strings.Contains(err.Error(), "row 1") {
		t.Errorf("Load of an infinite factor: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "bad.safetensors")); err == nil {
		t.Error("the refused save left a file")
	}
}
