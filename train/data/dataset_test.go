// Tests of the user_sequence.txt reader (strict and lenient), the split, stats and the synthetic generator.

package data

import (
	"strings"
	"testing"
)

func TestParseBasic(t *testing.T) {
	in := "a x y z\r\nb y w z v\nc z x w"
	d, rep, err := Parse([]byte(in), "t.txt", LoadOptions{Name: "T"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Lines != 3 || len(rep.Skipped) != 0 {
		t.Fatalf("report %+v", rep)
	}
	if got := strings.Join(d.Users, ","); got != "a,b,c" {
		t.Fatalf("users %s", got)
	}
	if got := strings.Join(d.Items, ","); got != "x,y,z,w,v" {
		t.Fatalf("items %s", got)
	}
	if d.Interactions() != 10 || d.TrainInteractions() != 4 {
		t.Fatalf("interactions %d train %d", d.Interactions(), d.TrainInteractions())
	}
	// b: y w z v -> train y w, valid z, test v
	if d.Items[d.ValidItem(1)] != "z" || d.Items[d.TestItem(1)] != "v" || len(d.TrainSeq(1)) != 2 {
		t.Fatal("split of b")
	}
	if d.Line(2) != 3 {
		t.Fatalf("line %d", d.Line(2))
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", "no users"},
		{"a x y z\nb x y\n", "t.txt:2: user \"b\" has 2 items"},
		{"a x y z\na x y w\n", "t.txt:2: duplicate user \"a\" (first on line 1)"},
		{"a x y z\n\nb x y z\n", "t.txt:2: empty line"},
		{"a x y z\nb x \xff y z\n", "t.txt:2: not valid UTF-8"},
	}
	for _, c := range cases {
		_, _, err := Parse([]byte(c.in), "t.txt", LoadOptions{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("input %q: error %v, want %q", c.in, err, c.want)
		}
	}
}

func TestParseLenient(t *testing.T) {
	in := "a x y z\nb x y\na x y w\n\nc x \xff z w\nd w z y\n"
	d, rep, err := Parse([]byte(in), "t.txt", LoadOptions{Lenient: true})
	if err != nil {
		t.Fatal(err)
	}
	if d.NumUsers() != 2 || len(rep.Skipped) != 4 {
		t.Fatalf("users %d, skipped %+v", d.NumUsers(), rep.Skipped)
	}
	wantLines := []int{2, 3, 4, 5}
	for i, s := range rep.Skipped {
		if s.Line != wantLines[i] {
			t.Errorf("skip %d at line %d, want %d (%s)", i, s.Line, wantLines[i], s.Reason)
		}
	}
	if d.Line(1) != 6 {
		t.Fatalf("user d on line %d", d.Line(1))
	}
}

func TestSynthDeterministic(t *testing.T) {
	a, err := Synth(DefaultSynth)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Synth(DefaultSynth)
	if a.NumUsers() != DefaultSynth.Users || a.Interactions() != b.Interactions() || strings.Join(a.Items, " ") != strings.Join(b.Items, " ") {
		t.Fatal("synth not deterministic")
	}
	for u, s := range a.Seqs {
		seen := map[int32]bool{}
		for _, it := range s {
			if seen[it] {
				t.Fatalf("user %d repeats item", u)
			}
			seen[it] = true
		}
		if len(s) < DefaultSynth.MinLen || len(s) > DefaultSynth.MaxLen {
			t.Fatalf("user %d length %d", u, len(s))
		}
	}
}

func TestStats(t *testing.T) {
	d, _, _ := Parse([]byte("a x y z\nb y w z v\nc z x w\n"), "t", LoadOptions{})
	s := ComputeStats(d)
	if s.Users != 3 || s.Items != 5 || s.Interactions != 10 || s.MinLen != 3 || s.MaxLen != 4 ||
		s.TrainInteractions != 4 || s.TrainItems != 4 || s.ColdItems != 1 || s.TrainSamples != 1 {
		t.Fatalf("%+v", s)
	}
}

func TestWriteUserSequenceRoundTrip(t *testing.T) {
	a, _ := Synth(DefaultSynth)
	p := t.TempDir() + "/user_sequence.txt"
	if err := a.WriteUserSequence(p); err != nil {
		t.Fatal(err)
	}
	b, _, err := Load(p, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(a.Users, " ") != strings.Join(b.Users, " ") || strings.Join(a.Items, " ") != strings.Join(b.Items, " ") || a.Interactions() != b.Interactions() {
		t.Fatal("round trip differs")
	}
}
