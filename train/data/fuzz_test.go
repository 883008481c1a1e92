// Fuzzing the dataset and template parsers: arbitrary bytes give a dataset
// (or template set) that satisfies the parser's own rules, or an error,
// never a panic.

package data

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzParseDataset(f *testing.F) {
	f.Add([]byte("a x y z\r\nb y w z v\nc z x w"))
	f.Add([]byte("\xef\xbb\xbfu1 1 2 3\nu2 2 3 4\n"))
	f.Add([]byte("a x y z\n\nb x y z\n"))
	f.Add([]byte("a x y z\na x y w\n"))
	f.Add([]byte("a x\x00 y z\tq\n"))
	f.Add([]byte("a x \xff y z\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, buf []byte) {
		for _, lenient := range []bool{false, true} {
			d, rep, err := Parse(buf, "fuzz.txt", LoadOptions{Name: "F", Lenient: lenient})
			if err != nil {
				if !strings.HasPrefix(err.Error(), "fuzz.txt") {
					t.Fatalf("error does not name the file: %v", err)
				}
				continue
			}
			if !lenient && strings.HasPrefix(d.Users[0], "\ufeff") { // line 1's BOM
				t.Fatalf("the BOM is part of user id %q", d.Users[0])
			}
			if d.NumUsers() == 0 || len(d.Seqs) != d.NumUsers() || rep.Lines < d.NumUsers() {
				t.Fatalf("users %d, seqs %d, lines %d", d.NumUsers(), len(d.Seqs), rep.Lines)
			}
			seen := map[string]bool{}
			for u, id := range d.Users {
				if id == "" || seen[id] || !utf8.ValidString(id) || strings.ContainsAny(id, " \t\r\n\x00") {
					t.Fatalf("bad or duplicate user id %q", id)
				}
				seen[id] = true
				if len(d.Seqs[u]) < MinSeqLen {
					t.Fatalf("user %q has %d items", id, len(d.Seqs[u]))
				}
				for _, it := range d.Seqs[u] {
					if it < 0 || int(it) >= d.NumItems() {
						t.Fatalf("item index %d of %d", it, d.NumItems())
					}
				}
			}
			_ = d.Samples(Train, SampleOptions{MaxHistory: DefaultMaxHistory})
			for _, id := range d.Items {
				if id == "" || strings.ContainsAny(id, " \t\r\n\x00") {
					t.Fatalf("bad item id %q", id)
				}
			}
		}
	})
}

func FuzzParseTemplates(f *testing.F) {
	def := DefaultTemplates()
	var b strings.Builder
	for _, tp := range def.Templates[:3] {
		b.WriteString(tp.Task + "; seen; " + tp.Input + "; " + tp.Output + "\n")
	}
	f.Add([]byte(b.String()))
	f.Add([]byte("sequential; unseen; {dataset} user_{user_id} {history}; {dataset} {target}\n"))
	f.Add([]byte("sequential; seen; {bogus}; {target}\n"))
	f.Add([]byte("# comment\n\nstraightforward; seen; user_{user_id}; {target}"))
	f.Add([]byte("a;b;c"))
	f.Fuzz(func(t *testing.T, buf []byte) {
		ts, err := ParseTemplates(buf, "fuzz.txt")
		if err != nil {
			return
		}
		smp := Fields{Dataset: "D", UserID: "7", History: "item_1 , item_2", Target: "item_3"}
		for _, tp := range ts.Templates {
			tp.Render(smp)
		}
		for _, task := range []string{"sequential", "straightforward"} {
			ts.Task(task, true)
			ts.Get(task, "seen:0")
			ts.Get(task, "unseen:0")
		}
	})
}
