// templates.go: prompt templates in the OpenP5 template-file format
// ("task; seen|unseen; input; output", one per line) and their rendering.

package data

import (
	"bytes"
	_ "embed"
	"fmt"
	"os"
	"strconv"
	"strings"
)

//go:embed templates_default.txt
var defaultTemplates []byte

// Template is one prompt template.
type Template struct {
	Task   string // "sequential", "straightforward", ...
	Seen   bool   // seen (training) or unseen (generalisation test only)
	Index  int    // position among the task's seen or unseen templates
	Input  string // e.g. "... {dataset} user_{user_id} ... {history} ..."
	Output string // e.g. "{dataset} {target}"
	Line   int    // line in the source file
}

// TemplateSet is a parsed template file.
type TemplateSet struct {
	Source    string
	Templates []Template
}

// Placeholders a template may use.
var placeholders = map[string]bool{"dataset": true, "user_id": true, "history": true, "target": true}

// DefaultTemplates returns embrec's own built-in template set (10 seen and 1
// unseen template for each of the sequential and straightforward tasks).
func DefaultTemplates() *TemplateSet {
	ts, err := ParseTemplates(defaultTemplates, "builtin templates")
	if err != nil {
		panic("data: " + err.Error())
	}
	return ts
}

// LoadTemplates reads a template file; path "" gives DefaultTemplates.
func LoadTemplates(path string) (*TemplateSet, error) {
	if path == "" {
		return DefaultTemplates(), nil
	}
	buf, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load templates: %w", err)
	}
	return ParseTemplates(buf, path)
}

// ParseTemplates parses the OpenP5 template format. Fields are separated by
// ';' and trimmed (as OpenP5 does); blank lines are ignored.
func ParseTemplates(buf []byte, name string) (*TemplateSet, error) {
	ts := &TemplateSet{Source: name}
	count := map[string]int{}
	for n, line := range bytes.Split(buf, []byte{'\n'}) {
		lineNo := n + 1
		s := strings.TrimSpace(strings.TrimSuffix(string(line), "\r"))
		if s == "" {
			continue
		}
		f := strings.Split(s, ";")
		if len(f) != 4 {
			return nil, fmt.Errorf("%s:%d: want 4 fields \"task; seen|unseen; input; output\", got %d", name, lineNo, len(f))
		}
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		t := Template{Task: f[0], Input: f[2], Output: f[3], Line: lineNo}
		switch f[1] {
		case "seen":
			t.Seen = true
		case "unseen":
		default:
			return nil, fmt.Errorf("%s:%d: second field is %q, want seen or unseen", name, lineNo, f[1])
		}
		if t.Task == "" || t.Input == "" || t.Output == "" {
			return nil, fmt.Errorf("%s:%d: empty task, input or output", name, lineNo)
		}
		for _, part := range []string{t.Input, t.Output} {
			if err := checkPlaceholders(part); err != nil {
				return nil, fmt.Errorf("%s:%d: %v", name, lineNo, err)
			}
		}
		key := t.Task + "/" + f[1]
		t.Index = count[key]
		count[key]++
		ts.Templates = append(ts.Templates, t)
	}
	if len(ts.Templates) == 0 {
		return nil, fmt.Errorf("%s: no templates", name)
	}
	return ts, nil
}

func checkPlaceholders(s string) error {
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			return nil
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return fmt.Errorf("unclosed '{' in %q", s)
		}
		if name := s[i+1 : i+j]; !placeholders[name] {
			return fmt.Errorf("unknown placeholder {%s} (want dataset, user_id, history or target)", name)
		}
		s = s[i+j+1:]
	}
}

// Get returns the template of task selected by sel: "seen:N" or "unseen:N".
func (ts *TemplateSet) Get(task, sel string) (Template, error) {
	kind, num, ok := strings.Cut(sel, ":")
	n, err := strconv.Atoi(num)
	if !ok || err != nil || (kind != "seen" && kind != "unseen") {
		return Template{}, fmt.Errorf("template selector %q: want seen:N or unseen:N", sel)
	}
	for _, t := range ts.Templates {
		if t.Task == task && t.Seen == (kind == "seen") && t.Index == n {
			return t, nil
		}
	}
	return Template{}, fmt.Errorf("%s: no %s template %d for task %q", ts.Source, kind, n, task)
}

// Task returns all templates of task, seen ones first, in file order.
func (ts *TemplateSet) Task(task string, seen bool) []Template {
	var out []Template
	for _, t := range ts.Templates {
		if t.Task == task && t.Seen == seen {
			out = append(out, t)
		}
	}
	return out
}

// Fields are the values substituted into a template.
type Fields struct {
	Dataset string
	UserID  string
	History string // rendered with HistorySep
	Target  string // e.g. "item_1234"
}

// HistorySep separates history items in prompts, as in OpenP5.
const HistorySep = " , "

// Render substitutes f into the template's input and output.
func (t Template) Render(f Fields) (input, output string) {
	r := strings.NewReplacer("{dataset}", f.Dataset, "{user_id}", f.UserID, "{history}", f.History, "{target}", f.Target)
	return r.Replace(t.Input), r.Replace(t.Output)
}
