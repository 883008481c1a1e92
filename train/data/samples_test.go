// Tests of training/validation/test sample construction and prompt fields.

package data

import "testing"

func TestSamples(t *testing.T) {
	d, _, _ := Parse([]byte("a p q r s t\nb q t p\n"), "t", LoadOptions{Name: "D"})
	ix := SequentialIndexing(d)
	// a: train p q r, valid s, test t. b: train q, valid t, test p.
	tr := d.Samples(Train, SampleOptions{MaxHistory: 10})
	if len(tr) != 2 {
		t.Fatalf("%d train samples, want 2", len(tr))
	}
	f := d.PromptFields(ix, tr[1])
	if f.History != "item_1001 , item_1002" || f.Target != "item_1003" || f.UserID != "1" || f.Dataset != "D" {
		t.Fatalf("%+v", f)
	}
	if n := len(d.Samples(Train, SampleOptions{KeepEmpty: true})); n != 4 {
		t.Fatalf("%d samples with empty histories, want 4", n)
	}
	va := d.Samples(Valid, SampleOptions{MaxHistory: 2})
	if f := d.PromptFields(ix, va[0]); f.History != "item_1002 , item_1003" || f.Target != ItemToken(ix.ItemID[d.ValidItem(0)]) {
		t.Fatalf("valid %+v", f)
	}
	te := d.Samples(Test, SampleOptions{})
	if len(te[1].History) != 2 || d.Items[te[1].Target] != "p" {
		t.Fatalf("test %+v", te[1])
	}
}
