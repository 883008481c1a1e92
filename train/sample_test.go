// The validation user sample: seeded, uniform, in file order.

package train

import (
	"testing"

	"embrec/train/data"
)

func TestSampleOf(t *testing.T) {
	all := make([]data.Sample, 1000)
	for i := range all {
		all[i].User = i
	}
	a, b := SampleOf(all, 100), SampleOf(all, 100)
	if len(a) != 100 {
		t.Fatalf("%d samples, want 100", len(a))
	}
	late := 0
	for i := range a {
		if a[i].User != b[i].User {
			t.Fatal("two samples of the same users differ: the seed is not fixed")
		}
		if i > 0 && a[i].User <= a[i-1].User {
			t.Fatalf("sample not in file order or repeated: %d after %d", a[i].User, a[i-1].User)
		}
		if a[i].User >= 500 {
			late++
		}
	}
	if late < 30 || late > 70 { // uniform: about half from the second half
		t.Fatalf("%d of 100 sampled users from the second half of the file: not uniform", late)
	}
	if len(SampleOf(all, 0)) != 1000 || len(SampleOf(all, 5000)) != 1000 {
		t.Fatal("n of 0 or beyond the users should keep them all")
	}
	if c := (Validation{Users: 10, Sample: ValidSampleRandom}).eval(); !c.SampleUsers || c.Users != 10 {
		t.Fatalf("random validation sample not passed on: %+v", c)
	}
	if c := (Validation{Users: 10}).eval(); c.SampleUsers {
		t.Fatal("a run without a sample setting (an older run) must keep the first users")
	}
}
