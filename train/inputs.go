// A self-contained run directory. run.json records the size and SHA-256
// of every file the run was built from (dataset, template file, model
// weights and config, the factor file given); the WALS factors and the
// tokenizer that training used are copied into the run directory, and
// eval, recommend and --resume load them from there. Paths outside the
// directory are stored absolute (with a path relative to the run
// directory as a fallback, so a moved folder still finds inputs that moved
// with it); paths inside it are stored relative to it.

package train

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"embrec/internal/atomicfile"
	"embrec/train/data"
	"embrec/wals"
)

// RunFormat is the run.json format written by this version: 2 records
// inputs and stores paths as described above. Runs of format 0 (paths as
// typed, no inputs) still load.
const RunFormat = 2

// Input roles. Every role but RoleFactorsSource is verified when a run is
// loaded: the source factor file is recorded for provenance only (the run
// uses its own copy, FactorsFile).
const (
	RoleData          = "data"
	RoleTemplates     = "templates"
	RoleModel         = "model"
	RoleTokenizer     = "tokenizer"
	RoleFactors       = "factors"
	RoleFactorsSource = "factors-source"
)

// Input is one file a run was built from.
type Input struct {
	Role   string `json:"role"`
	Path   string `json:"path"`          // absolute, or relative to the run directory for its own files
	Rel    string `json:"rel,omitempty"` // relative to the run directory, for files outside it
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// FileDigest returns the size and hex SHA-256 of a file.
func FileDigest(path string) (size int64, sum string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, "", fmt.Errorf("read %s: %w", path, err)
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// isSynth reports whether a spec's data is the built-in generator.
func isSynth(d string) bool {
	rest, ok := strings.CutPrefix(d, "synth")
	return ok && (rest == "" || rest[0] == ':')
}

// modelFiles lists the files of an HF model directory the backbone is
// loaded from: config.json, the safetensors files and their index.
func modelFiles(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	var out []string
	for _, e := range ents {
		n := e.Name()
		if !e.IsDir() && (n == "config.json" || strings.HasSuffix(n, ".safetensors") || strings.HasSuffix(n, ".safetensors.index.json")) {
			out = append(out, filepath.Join(dir, n))
		}
	}
	return out, nil
}

// SealRun makes spec, built into b for a fresh run in dir, self-contained
// and writes run.json: the tokenizer and the (unstandardised) factors are
// written into dir and spec points at them, every input is recorded with
// its size and hash, and paths are stored as described in the file
// comment. It returns the spec as written.
func SealRun(dir string, spec RunSpec, b *Built) (RunSpec, error) {
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return spec, err
	}
	if b.Spec.FoldIn != nil {
		spec.FoldIn = b.Spec.FoldIn // settled by Build
	}
	var inputs []Input
	add := func(role, path string) error {
		abs, err := filepath.Abs(path)
		if err != nil {
			return err
		}
		size, sum, err := FileDigest(abs)
		if err != nil {
			return fmt.Errorf("record input: %w", err)
		}
		in := Input{Role: role, Path: abs, Size: size, SHA256: sum}
		if rel, err := filepath.Rel(absDir, abs); err == nil {
			if strings.HasPrefix(rel, "..") {
				in.Rel = rel
			} else {
				in.Path = rel // the run's own file
			}
		}
		inputs = append(inputs, in)
		return nil
	}
	absPath := func(p string) (string, error) {
		if p == "" {
			return "", nil
		}
		return filepath.Abs(p)
	}
	if !isSynth(spec.Data) {
		if spec.Data, err = absPath(spec.Data); err != nil {
			return spec, err
		}
		if err := add(RoleData, spec.Data); err != nil {
			return spec, err
		}
	}
	if spec.Templates != "" {
		if spec.Templates, err = absPath(spec.Templates); err != nil {
			return spec, err
		}
		if err := add(RoleTemplates, spec.Templates); err != nil {
			return spec, err
		}
	}
	if spec.Model != "" {
		if spec.Model, err = absPath(spec.Model); err != nil {
			return spec, err
		}
		files, err := modelFiles(spec.Model)
		if err != nil {
			return spec, err
		}
		for _, f := range files {
			if err := add(RoleModel, f); err != nil {
				return spec, err
			}
		}
	}
	// The tokenizer: the one built from the templates, or a copy of the
	// file that was loaded.
	tokName := TokenizerFile
	tokBytes := b.TokModel
	if tokBytes == nil && b.TokPath != "" {
		if strings.HasSuffix(b.TokPath, ".json") {
			tokName = "tokenizer.json"
		}
		if tokBytes, err = os.ReadFile(b.TokPath); err != nil {
			return spec, fmt.Errorf("copy tokenizer: %w", err)
		}
	}
	if tokBytes != nil {
		if err := atomicfile.WriteFile(filepath.Join(dir, tokName), tokBytes); err != nil {
			return spec, err
		}
		spec.Tokenizer = tokName
		if err := add(RoleTokenizer, filepath.Join(dir, tokName)); err != nil {
			return spec, err
		}
	}
	if b.Factors != nil {
		if spec.Factors != "" {
			if err := add(RoleFactorsSource, spec.Factors); err != nil {
				return spec, err
			}
		}
		if err := saveFactors(filepath.Join(dir, FactorsFile), b.Factors, b.Data); err != nil {
			return spec, err
		}
		spec.Factors = FactorsFile
		if err := add(RoleFactors, filepath.Join(dir, FactorsFile)); err != nil {
			return spec, err
		}
	}
	spec.Format, spec.Inputs = RunFormat, inputs
	return spec, SaveSpec(dir, spec)
}

// saveFactors writes f (rows in d's index order) as a WALS factor file.
func saveFactors(path string, f *Factors, d *data.Dataset) error {
	m := &wals.Model{K: f.K, Users: d.NumUsers(), Items: d.NumItems(), X: f.User, Y: f.Item}
	// No data_sha256 here: run.json's inputs tie the copy to the dataset,
	// and --accept-changed-inputs must be able to overrule that.
	meta := map[string]string{"dataset": d.Name, "written_by": "embrec train (the factors this run used)"}
	return wals.Save(path, m, d.Users, d.Items, meta)
}

// resolvePaths makes the paths of a format-2 spec loaded from dir usable
// from the working directory: the run's own files are joined to dir; an
// absolute input that is gone is looked for at its path relative to dir.
func (s *RunSpec) resolvePaths(dir string) {
	if s.Format < 2 {
		// Format 0: paths as typed; the tokenizer of a random backbone is
		// the run's tokenizer.model (never rebuilt from the templates).
		if s.Init == "random" && s.Tokenizer == "" {
			s.Tokenizer = filepath.Join(dir, TokenizerFile)
		}
		return
	}
	own := func(p string) string {
		if p != "" && !filepath.IsAbs(p) {
			return filepath.Join(dir, p)
		}
		return p
	}
	s.Tokenizer, s.Factors = own(s.Tokenizer), own(s.Factors)
	// moved returns p, or where the input of role found at p before now
	// is relative to the moved run directory.
	moved := func(p, role string) string {
		if p == "" || isSynth(p) {
			return p
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
		for _, in := range s.Inputs {
			if in.Role != role || in.Rel == "" {
				continue
			}
			cand := filepath.Join(dir, in.Rel)
			if role == RoleModel { // inputs are the directory's files
				cand = filepath.Dir(cand)
			}
			if _, err := os.Stat(cand); err == nil {
				return cand
			}
		}
		return p
	}
	s.Data, s.Templates, s.Model = moved(s.Data, RoleData), moved(s.Templates, RoleTemplates), moved(s.Model, RoleModel)
	for i := range s.Inputs {
		in := &s.Inputs[i]
		if !filepath.IsAbs(in.Path) {
			in.Path = filepath.Join(dir, in.Path)
		} else if _, err := os.Stat(in.Path); err != nil && in.Rel != "" {
			in.Path = filepath.Join(dir, in.Rel)
		}
	}
}

// ErrInputChanged is wrapped by VerifyInputs's errors.
var ErrInputChanged = errors.New("input changed since training")

// VerifyInputs checks that every recorded input of a loaded spec (but the
// provenance-only source factor file) is present with its recorded size
// and hash. The error names the file and what differs.
func VerifyInputs(spec RunSpec) error {
	var errs []error
	for _, in := range spec.Inputs {
		if in.Role == RoleFactorsSource {
			continue
		}
		size, sum, err := FileDigest(in.Path)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("%s %s: %w (%w)", in.Role, in.Path, err, ErrInputChanged))
		case size != in.Size || sum != in.SHA256:
			errs = append(errs, fmt.Errorf("%s %s: %w: size %d, sha256 %.12s, recorded %d, %.12s", in.Role, in.Path, ErrInputChanged, size, sum, in.Size, in.SHA256))
		}
	}
	return errors.Join(errs...)
}
