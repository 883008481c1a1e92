// Tests of the template-file parser, the built-in template set and rendering.

package data

import (
	"embrec/internal/shared"

	"strings"
	"testing"
)

func TestDefaultTemplates(t *testing.T) {
	ts := DefaultTemplates()
	for _, task := range []string{"sequential", "straightforward"} {
		if n := len(ts.Task(task, true)); n != 10 {
			t.Errorf("%s: %d seen templates, want 10", task, n)
		}
		if n := len(ts.Task(task, false)); n != 1 {
			t.Errorf("%s: %d unseen templates, want 1", task, n)
		}
		for _, tp := range append(ts.Task(task, true), ts.Task(task, false)...) {
			if !strings.Contains(tp.Input, "user_{user_id}") || tp.Output != "{dataset} {target}" {
				t.Errorf("%s line %d: %q -> %q", task, tp.Line, tp.Input, tp.Output)
			}
			if (task == "sequential") != strings.Contains(tp.Input, "{history}") {
				t.Errorf("%s line %d: history placeholder", task, tp.Line)
			}
		}
	}
}

func TestTemplateRender(t *testing.T) {
	ts, err := ParseTemplates([]byte("seq; seen; U user_{user_id} saw {dataset} items {history} ?; {dataset} {target}\n"), "x")
	if err != nil {
		t.Fatal(err)
	}
	tp, err := ts.Get("seq", "seen:0")
	if err != nil {
		t.Fatal(err)
	}
	in, out := tp.Render(Fields{Dataset: "Beauty", UserID: "7", History: "item_1001 , item_1002", Target: "item_1003"})
	if in != "U user_7 saw Beauty items item_1001 , item_1002 ?" || out != "Beauty item_1003" {
		t.Fatalf("%q %q", in, out)
	}
	if _, err := ts.Get("seq", "unseen:0"); err == nil {
		t.Fatal("want error for missing template")
	}
}

func TestTemplateErrors(t *testing.T) {
	cases := []struct{ in, want string }{
		{"a; seen; x\n", "f:1: want 4 fields"},
		{"\na; maybe; x; y\n", "f:2: second field"},
		{"a; seen; {usr}; y\n", "f:1: unknown placeholder {usr}"},
		{"a; seen; {user_id; y\n", "f:1: unclosed"},
		{"\n\n", "no templates"},
	}
	for _, c := range cases {
		_, err := ParseTemplates([]byte(c.in), "f")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.in, err, c.want)
		}
	}
}

// TestOpenP5TemplateFile reads OpenP5's own template file when present.
func TestOpenP5TemplateFile(t *testing.T) {
	p, ok := shared.File("data/openp5_prompt.txt")
	if !ok {
		t.Skip("../shared/data/openp5_prompt.txt not present")
	}
	ts, err := LoadTemplates(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, task := range []string{"sequential", "straightforward"} {
		if len(ts.Task(task, true)) != 10 || len(ts.Task(task, false)) != 1 {
			t.Errorf("%s: %d seen, %d unseen", task, len(ts.Task(task, true)), len(ts.Task(task, false)))
		}
	}
}
