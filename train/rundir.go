// The life of a run directory: one writer at a time (an exclusive lock
// held while training), no silent reuse (a fresh run refuses a directory
// that holds another run's files unless asked to overwrite them), no
// temporary files left behind by a killed write, and a metrics log that a
// resumed run continues without repeating the steps after its checkpoint.

package train

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"embrec/internal/atomicfile"
	"embrec/tensor/safetensors"
)

// FactorsFile holds the WALS factors the run was trained with.
const FactorsFile = "factors.safetensors"

// LockFile is the run directory's lock, held by the training process.
const LockFile = ".lock"

// RunFiles are the files and folders a training run writes into its
// directory (besides the lock): what --overwrite removes.
var RunFiles = []string{SpecFile, CheckpointFile, Stage1File, MetricsFile, TokenizerFile, FactorsFile,
	DivergedFile, BestFile, BestStateFile, "adapter"}

// ErrLocked is returned by LockRun when another process holds the lock.
var ErrLocked = errors.New("run directory is in use by another process")

// LockRun creates dir if needed and takes its exclusive lock, released by
// the returned function (or by the process's exit, however it ends). A
// second LockRun on the same directory, from any process, fails with an
// error wrapping ErrLocked that names the directory and the holder's pid.
func LockRun(dir string) (unlock func(), err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("run directory: %w", err)
	}
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("run directory: %w", err)
	}
	if err := lockFile(f); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, ErrLocked) {
			return nil, fmt.Errorf("%s: %w (%s); wait for it to finish or stop it", dir, ErrLocked, strings.TrimSpace(string(holder)))
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	f.Truncate(0)
	fmt.Fprintf(f, "pid %d\n", os.Getpid())
	return func() {
		f.Truncate(0)
		unlockFile(f)
		f.Close()
	}, nil
}

// PrepareFresh readies dir (locked by the caller) for a new run: a
// directory holding anything but its lock is refused, naming what it
// holds, unless overwrite; then the files of RunFiles are removed (other
// files are left alone). The caller has removed stale temporary files
// first (RemoveStaleTemps), as for any locked run directory.
func PrepareFresh(dir string, overwrite bool) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("run directory: %w", err)
	}
	var names []string
	for _, e := range ents {
		if e.Name() != LockFile {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return nil
	}
	if !overwrite {
		more := ""
		if len(names) > 5 {
			names, more = names[:5], ", ..."
		}
		return fmt.Errorf("run directory %s is not empty (%s%s): continue it with --resume, replace it with --overwrite, or choose another --out",
			dir, strings.Join(names, ", "), more)
	}
	for _, n := range RunFiles {
		if err := os.RemoveAll(filepath.Join(dir, n)); err != nil {
			return fmt.Errorf("--overwrite: %w", err)
		}
	}
	return nil
}

// RemoveStaleTemps deletes the temporary files of atomic writes that a
// killed process left in dir (".NAME.tmp*"). Call it with the lock held:
// no other writer can be using them then.
func RemoveStaleTemps(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("run directory: %w", err)
	}
	for _, e := range ents {
		if n := e.Name(); strings.HasPrefix(n, ".") && strings.Contains(n, ".tmp") && !e.IsDir() {
			if err := os.Remove(filepath.Join(dir, n)); err != nil {
				return fmt.Errorf("remove stale temporary file: %w", err)
			}
		}
	}
	return nil
}

// CheckpointPosition returns the stage and step of a checkpoint.
func CheckpointPosition(path string) (stage, step int, err error) {
	f, err := safetensors.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	step, cfg, err := checkpointMeta(f)
	return cfg.Stage, step, err
}

// TrimMetrics drops from dir's metrics.jsonl the lines of steps after
// (stage, step), the position of the checkpoint a resumed run continues
// from: those steps are trained (and logged) again. Lines that do not name
// a stage and step are kept.
func TrimMetrics(dir string, stage, step int) error {
	path := filepath.Join(dir, MetricsFile)
	if st, err := os.Stat(path); errors.Is(err, os.ErrNotExist) || (err == nil && !st.Mode().IsRegular()) {
		return nil // nothing to trim, or not a file that can be rewritten (a pipe, a device)
	}
	buf, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var keep bytes.Buffer
	dropped := false
	sc := bufio.NewScanner(bytes.NewReader(buf))
	sc.Buffer(nil, len(buf)+1)
	for sc.Scan() {
		var pos struct{ Stage, Step *int }
		line := sc.Bytes()
		if json.Unmarshal(line, &pos) == nil && pos.Stage != nil && pos.Step != nil &&
			(*pos.Stage > stage || (*pos.Stage == stage && *pos.Step > step)) {
			dropped = true
			continue
		}
		if len(line) > 0 && json.Valid(line) { // a line cut by a kill is dropped too
			keep.Write(line)
			keep.WriteByte('\n')
		} else if len(line) > 0 {
			dropped = true
		}
	}
	if !dropped {
		return nil
	}
	return atomicfile.WriteFile(path, keep.Bytes())
}
