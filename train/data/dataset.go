// dataset.go: the Dataset type and the strict/lenient reader of
// user_sequence.txt files (one line per user: "user item item ...").

package data

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"unicode/utf8"
)

// MinSeqLen is the shortest usable user sequence: one training item, the
// validation item and the test item.
const MinSeqLen = 3

// Dataset is a parsed user_sequence.txt.
type Dataset struct {
	Name  string    // dataset name used in prompts ({dataset}); the parent directory's name by default
	Path  string    // file it was read from ("" when built in memory)
	Users []string  // raw user ids, in file order (user index -> raw id)
	Items []string  // raw item ids, in order of first appearance (item index -> raw id)
	Seqs  [][]int32 // Seqs[u] = user u's item indices, in time order
	lines []int     // lines[u] = 1-based line number of user u in Path
	index map[string]int32
}

// LoadOptions control Load.
type LoadOptions struct {
	Name    string // dataset name; "" means the name of the file's directory
	Lenient bool   // skip (and report) malformed lines instead of failing
}

// Skip is one line that a lenient load skipped.
type Skip struct {
	Line   int
	Reason string
}

// LoadReport says what a load read and what it skipped.
type LoadReport struct {
	Lines   int    // non-empty lines seen
	Skipped []Skip // lines skipped (only with Lenient)
}

// Load reads a user_sequence.txt file, gzip- or zstd-compressed when its
// name ends in .gz or .zst.
func Load(path string, opt LoadOptions) (*Dataset, *LoadReport, error) {
	buf, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("load dataset: %w", err)
	}
	if buf, err = decompress(path, buf); err != nil {
		return nil, nil, fmt.Errorf("load dataset: %w", err)
	}
	if opt.Name == "" {
		opt.Name = filepath.Base(filepath.Dir(path))
	}
	return Parse(buf, path, opt)
}

// Read is Load for an io.Reader; name labels errors.
func Read(r io.Reader, name string, opt LoadOptions) (*Dataset, *LoadReport, error) {
	buf, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", name, err)
	}
	return Parse(buf, name, opt)
}

// Parse parses the contents of a user_sequence.txt file. name is used in
// error messages ("name:line: ...") and stored as Dataset.Path.
func Parse(buf []byte, name string, opt LoadOptions) (*Dataset, *LoadReport, error) {
	d := &Dataset{Name: opt.Name, Path: name, index: make(map[string]int32)}
	rep := &LoadReport{}
	users := make(map[string]int) // raw user id -> line number
	lineNo := 0
	fail := func(line int, format string, args ...any) error {
		msg := fmt.Sprintf(format, args...)
		if opt.Lenient {
			rep.Skipped = append(rep.Skipped, Skip{Line: line, Reason: msg})
			return nil
		}
		return fmt.Errorf("%s:%d: %s", name, line, msg)
	}
	var fields [][]byte
	for len(buf) > 0 {
		lineNo++
		var line []byte
		if i := bytes.IndexByte(buf, '\n'); i >= 0 {
			line, buf = buf[:i], buf[i+1:]
		} else {
			line, buf = buf, nil
		}
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if len(bytes.TrimSpace(line)) == 0 {
			// Blank lines carry no user; OpenP5 would read them as a user
			// with no items, which the 3-item rule rejects.
			if err := fail(lineNo, "empty line"); err != nil {
				return nil, nil, err
			}
			continue
		}
		rep.Lines++
		if !utf8.Valid(line) {
			if err := fail(lineNo, "not valid UTF-8"); err != nil {
				return nil, nil, err
			}
			continue
		}
		fields = splitFields(fields[:0], line)
		user := string(fields[0])
		if len(fields)-1 < MinSeqLen {
			if err := fail(lineNo, "user %q has %d items, want at least %d (train, validation, test)", user, len(fields)-1, MinSeqLen); err != nil {
				return nil, nil, err
			}
			continue
		}
		if first, dup := users[user]; dup {
			if err := fail(lineNo, "duplicate user %q (first on line %d)", user, first); err != nil {
				return nil, nil, err
			}
			continue
		}
		users[user] = lineNo
		seq := make([]int32, len(fields)-1)
		for j, f := range fields[1:] {
			seq[j] = d.intern(f)
		}
		d.Users = append(d.Users, user)
		d.Seqs = append(d.Seqs, seq)
		d.lines = append(d.lines, lineNo)
	}
	if len(d.Users) == 0 {
		return nil, nil, fmt.Errorf("%s: no users (empty file, or every line skipped)", name)
	}
	return d, rep, nil
}

// splitFields splits line on runs of spaces and tabs.
func splitFields(dst [][]byte, line []byte) [][]byte {
	i := 0
	for i < len(line) {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		j := i
		for j < len(line) && line[j] != ' ' && line[j] != '\t' {
			j++
		}
		if j > i {
			dst = append(dst, line[i:j])
		}
		i = j
	}
	return dst
}

func (d *Dataset) intern(b []byte) int32 {
	if id, ok := d.index[string(b)]; ok { // no allocation for the lookup
		return id
	}
	s := string(b)
	id := int32(len(d.Items))
	d.Items = append(d.Items, s)
	d.index[s] = id
	return id
}

// New builds a Dataset in memory from raw ids (tests, generators). It applies
// the same rules as Parse (at least MinSeqLen items, unique users).
func New(name string, users []string, seqs [][]string) (*Dataset, error) {
	var b bytes.Buffer
	for u, user := range users {
		b.WriteString(user)
		for _, it := range seqs[u] {
			b.WriteByte(' ')
			b.WriteString(it)
		}
		b.WriteByte('\n')
	}
	d, _, err := Parse(b.Bytes(), name, LoadOptions{Name: name})
	return d, err
}

// NumUsers is the number of users.
func (d *Dataset) NumUsers() int { return len(d.Users) }

// NumItems is the number of distinct items.
func (d *Dataset) NumItems() int { return len(d.Items) }

// ItemIndex returns the item index of a raw item id.
func (d *Dataset) ItemIndex(raw string) (int32, bool) {
	id, ok := d.index[raw]
	return id, ok
}

// Line returns the 1-based line number of user u in the source file.
func (d *Dataset) Line(u int) int { return d.lines[u] }

// Interactions is the total number of (user, item) events in all sequences.
func (d *Dataset) Interactions() int {
	n := 0
	for _, s := range d.Seqs {
		n += len(s)
	}
	return n
}
