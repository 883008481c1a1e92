// dataset.go: the Dataset type and the strict/lenient reader of
// user_sequence.txt files (one line per user: "user item item ...").

package data

import (
	"bufio"
	"bytes"
	"errors"
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

// Limits of a dataset line: longer lines, more items on a line, or longer
// ids are refused with an error naming the line (a real user_sequence.txt
// line is a few kilobytes; ML-1M's longest user has 2,314 items).
const (
	MaxLineBytes = 16 << 20 // bytes of one line
	MaxLineItems = 1 << 20  // items of one user
	MaxIDBytes   = 1024     // bytes of one user or item id
)

// Load reads a user_sequence.txt file, gzip- or zstd-compressed when its
// name ends in .gz or .zst. It streams the file: memory grows with the
// dataset's ids and sequences, never with the size of a line beyond
// MaxLineBytes.
func Load(path string, opt LoadOptions) (*Dataset, *LoadReport, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("load dataset: %w", err)
	}
	defer f.Close()
	r, closeR, err := decompressReader(path, f)
	if err != nil {
		return nil, nil, fmt.Errorf("load dataset: %w", err)
	}
	defer closeR()
	if opt.Name == "" {
		// The directory's name, also for a bare file name ("." otherwise).
		dir := filepath.Dir(path)
		if abs, err := filepath.Abs(dir); err == nil {
			dir = abs
		}
		opt.Name = filepath.Base(dir)
	}
	return parse(r, path, opt)
}

// Read is Load for an io.Reader; name labels errors.
func Read(r io.Reader, name string, opt LoadOptions) (*Dataset, *LoadReport, error) {
	return parse(r, name, opt)
}

// Parse parses the contents of a user_sequence.txt file. name is used in
// error messages ("name:line: ...") and stored as Dataset.Path.
func Parse(buf []byte, name string, opt LoadOptions) (*Dataset, *LoadReport, error) {
	return parse(bytes.NewReader(buf), name, opt)
}

// utf8BOM may open a file saved by some editors; it is not part of the
// first user id.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// parse reads lines from r one at a time.
func parse(r io.Reader, name string, opt LoadOptions) (*Dataset, *LoadReport, error) {
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
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxLineBytes)
	for sc.Scan() {
		lineNo++
		line := sc.Bytes() // without "\n" and a final "\r"
		if lineNo == 1 {
			line = bytes.TrimPrefix(line, utf8BOM)
		}
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
		if i := bytes.IndexFunc(line, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }); i >= 0 {
			if err := fail(lineNo, "control character %q at byte %d (ids are printable text)", line[i], i+1); err != nil {
				return nil, nil, err
			}
			continue
		}
		n, longest := countFields(line)
		if longest > MaxIDBytes {
			if err := fail(lineNo, "an id of %d bytes, longer than the limit of %d", longest, MaxIDBytes); err != nil {
				return nil, nil, err
			}
			continue
		}
		user, rest := nextField(line)
		if n-1 > MaxLineItems {
			if err := fail(lineNo, "user %q has %d items, more than the limit of %d", user, n-1, MaxLineItems); err != nil {
				return nil, nil, err
			}
			continue
		}
		if n-1 < MinSeqLen {
			if err := fail(lineNo, "user %q has %d items, want at least %d (train, validation, test)", user, n-1, MinSeqLen); err != nil {
				return nil, nil, err
			}
			continue
		}
		if first, dup := users[string(user)]; dup {
			if err := fail(lineNo, "duplicate user %q (first on line %d)", user, first); err != nil {
				return nil, nil, err
			}
			continue
		}
		users[string(user)] = lineNo
		seq := make([]int32, 0, n-1)
		for f, tail := nextField(rest); len(f) > 0; f, tail = nextField(tail) {
			seq = append(seq, d.intern(f))
		}
		d.Users = append(d.Users, string(user))
		d.Seqs = append(d.Seqs, seq)
		d.lines = append(d.lines, lineNo)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, nil, fmt.Errorf("%s:%d: line longer than the limit of %d bytes", name, lineNo+1, MaxLineBytes)
		}
		return nil, nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(d.Users) == 0 {
		return nil, nil, fmt.Errorf("%s: no users (empty file, or every line skipped)", name)
	}
	return d, rep, nil
}

// nextField returns the first field of line (fields are separated by
// runs of spaces and tabs) and the rest after it; an empty field at the end.
func nextField(line []byte) (field, rest []byte) {
	i := 0
	for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	j := i
	for j < len(line) && line[j] != ' ' && line[j] != '\t' {
		j++
	}
	return line[i:j], line[j:]
}

// countFields returns the number of fields of line and the longest one's length.
func countFields(line []byte) (n, longest int) {
	for f, rest := nextField(line); len(f) > 0; f, rest = nextField(rest) {
		n++
		longest = max(longest, len(f))
	}
	return n, longest
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
