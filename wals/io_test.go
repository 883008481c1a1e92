// Save/load round trip of factor files.

package wals

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSaveLoad(t *testing.T) {
	r := randomMatrix(9, 7, 0.3, 1)
	m, err := Fit(r, Config{Factors: 3, Iters: 2, Reg: 0.1, Alpha: 1, CGSteps: 3, Seed: 1, InitScale: 0.1}, FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	users := strings.Fields("a b c d e f g h i")
	items := strings.Fields("p q r s t u v")
	p := filepath.Join(t.TempDir(), "f.safetensors")
	if err := Save(p, m, users, items, map[string]string{"reg": "0.1"}); err != nil {
		t.Fatal(err)
	}
	s, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if s.Model.K != 3 || s.Model.Users != 9 || s.Model.Items != 7 || s.Meta["reg"] != "0.1" || s.Meta["format"] != FileFormat {
		t.Fatalf("%+v %v", s.Model, s.Meta)
	}
	if strings.Join(s.UserIDs, " ") != strings.Join(users, " ") || strings.Join(s.ItemIDs, " ") != strings.Join(items, " ") {
		t.Fatal("id maps")
	}
	for i := range m.X {
		if m.X[i] != s.Model.X[i] {
			t.Fatal("user factors differ")
		}
	}
	for i := range m.Y {
		if m.Y[i] != s.Model.Y[i] {
			t.Fatal("item factors differ")
		}
	}
	q := make([]float32, 7)
	s.Model.Scores(q, s.Model.UserVec(2))
	for i := range q {
		if d := q[i] - dot(m.UserVec(2), m.ItemVec(i)); d > 1e-6 || d < -1e-6 {
			t.Fatalf("score %d", i)
		}
	}
	if err := Save(p, m, users[:3], items, nil); err == nil {
		t.Fatal("want id count error")
	}
	os.WriteFile(p, []byte("garbage!garbage!"), 0o644)
	if _, err := Load(p); err == nil {
		t.Fatal("want error for a broken file")
	}
}

// Scores called from Progress sees the factors of the current iteration.
func TestScoresDuringFit(t *testing.T) {
	r := randomMatrix(20, 16, 0.3, 2)
	cfg := Config{Factors: 8, Iters: 4, Reg: 0.1, Alpha: 1, CGSteps: 3, Seed: 1, InitScale: 0.1}
	q := make([]float32, 16)
	_, err := Fit(r, cfg, FitOptions{Progress: func(m *Model, _ IterStats) error {
		m.Scores(q, m.UserVec(0))
		for i := range q {
			if d := q[i] - dot(m.UserVec(0), m.ItemVec(i)); d > 1e-5 || d < -1e-5 {
				t.Fatalf("stale score for item %d: %g vs %g", i, q[i], dot(m.UserVec(0), m.ItemVec(i)))
			}
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
}
