// Factors from other ALS engines end to end: embrec's own WALS factors
// rewritten as Spark-style text and as implicit's .npz give eval-cf the
// same MF metrics, train accepts them, and a table of another dataset is
// refused with its ids named.

package main

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"embrec/wals"
)

// writeFloatNpz writes an .npz of float32 (rows, k) arrays, as np.savez.
func writeFloatNpz(t *testing.T, path string, arrays map[string][]float32, k int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	z := zip.NewWriter(f)
	for name, v := range arrays {
		hdr := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }\n", len(v)/k, k)
		w, _ := z.Create(name + ".npy")
		w.Write([]byte("\x93NUMPY\x01\x00"))
		binary.Write(w, binary.LittleEndian, uint16(len(hdr)))
		w.Write([]byte(hdr))
		binary.Write(w, binary.LittleEndian, v)
	}
	z.Close()
	f.Close()
}

func writeTextFactors(t *testing.T, path string, ids []string, v []float32, k int) {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("id,features\n")
	for r, id := range ids {
		fmt.Fprintf(&b, "%s,\"[", id)
		for j := 0; j < k; j++ {
			if j > 0 {
				b.WriteByte(',')
			}
			fmt.Fprint(&b, v[r*k+j])
		}
		b.WriteString("]\"\n")
	}
	os.WriteFile(path, b.Bytes(), 0o644)
}

func mfRows(out string) string {
	var rows []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "mf") {
			rows = append(rows, strings.Join(strings.Fields(l)[:6], " ")) // without the time
		}
	}
	return strings.Join(rows, "\n")
}

func TestForeignFactors(t *testing.T) {
	dir := t.TempDir()
	p := synthFile(t, dir)
	f := filepath.Join(dir, "f.safetensors")
	if out, errs, rc := runCF(t, "wals", "--data", p, "--factors", "8", "--iters", "3", "--out", f); rc != 0 {
		t.Fatalf("wals rc %d:\n%s%s", rc, out, errs)
	}
	s, err := wals.Load(f)
	if err != nil {
		t.Fatal(err)
	}
	m := s.Model
	// Spark-style text, rows in reverse order (ids do the matching).
	rev := func(ids []string, v []float32) ([]string, []float32) {
		ri, rv := make([]string, len(ids)), make([]float32, 0, len(v))
		for i := range ids {
			ri[i] = ids[len(ids)-1-i]
			rv = append(rv, v[(len(ids)-1-i)*m.K:(len(ids)-i)*m.K]...)
		}
		return ri, rv
	}
	ui, uv := rev(s.UserIDs, m.X)
	ii, iv := rev(s.ItemIDs, m.Y)
	users, items := filepath.Join(dir, "users.csv"), filepath.Join(dir, "items.csv")
	writeTextFactors(t, users, ui, uv, m.K)
	writeTextFactors(t, items, ii, iv, m.K)
	// implicit's .npz with id files.
	npz := filepath.Join(dir, "implicit.npz")
	writeFloatNpz(t, npz, map[string][]float32{"user_factors": uv, "item_factors": iv}, m.K)
	uids, iids := filepath.Join(dir, "users.txt"), filepath.Join(dir, "items.txt")
	os.WriteFile(uids, []byte(strings.Join(ui, "\n")+"\n"), 0o644)
	os.WriteFile(iids, []byte(strings.Join(ii, "\n")+"\n"), 0o644)

	want, errs, rc := runCF(t, "eval-cf", "--data", p, "--factors", f, "--exclude", "no")
	if rc != 0 || mfRows(want) == "" {
		t.Fatalf("eval-cf with embrec's file: rc %d\n%s%s", rc, want, errs)
	}
	for _, args := range [][]string{{"--factors", users + "," + items}, {"--factors", npz, "--factor-ids", uids + "," + iids}} {
		out, errs, rc := runCF(t, append([]string{"eval-cf", "--data", p, "--exclude", "no"}, args...)...)
		if rc != 0 || mfRows(out) != mfRows(want) {
			t.Errorf("eval-cf %v: rc %d\n%s\nwant\n%s\n%s", args, rc, mfRows(out), mfRows(want), errs)
		}
	}
	if _, errs, rc := runCF(t, "eval-cf", "--data", p, "--factors", npz); rc != 1 || !strings.Contains(errs, "--factor-ids") {
		t.Errorf("npz without ids: rc %d %s", rc, errs)
	}
	// One user row missing and one foreign: both named.
	writeTextFactors(t, users, append(ui[1:], "stranger"), append(uv[m.K:], uv[:m.K]...), m.K)
	if _, errs, rc := runCF(t, "eval-cf", "--data", p, "--factors", users+","+items); rc != 1 ||
		!strings.Contains(errs, fmt.Sprintf("1 dataset users without factors: %q", ui[0])) || !strings.Contains(errs, `1 factor users not in the dataset: "stranger"`) {
		t.Errorf("mismatched ids: rc %d %s", rc, errs)
	}
	// train takes the .npz (rows named by id files) into the run spec.
	run := filepath.Join(dir, "run")
	if rc := runMain([]string{"train", "--data", p, "--init", "random", "--config", "tiny", "--factors", npz, "--factor-ids", uids + "," + iids,
		"--stage1-steps", "1", "--steps", "1", "--batch", "2", "--out", run}, &bytes.Buffer{}, &bytes.Buffer{}); rc != 0 {
		t.Fatalf("train --factors npz exited %d", rc)
	}
	spec, _ := os.ReadFile(filepath.Join(run, "run.json"))
	if !strings.Contains(string(spec), `"factor_ids"`) {
		t.Errorf("run.json lacks factor_ids:\n%s", spec)
	}
}
