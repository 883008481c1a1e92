// The train command's run-directory life: the lock and the fresh/resume
// checks before anything is written, and how a run that stopped early is
// reported: diverged (diverged.json, a hint naming the likely flag, exit
// 1), interrupted (checkpoint saved, exit 130/143) or failed.

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"embrec/train"
)

// openRunDir locks dir and readies it: a fresh run refuses a non-empty
// directory unless overwrite; a resumed one needs its run.json and
// checkpoint, and its metrics log is cut back to the checkpoint's step.
// Stale temporary files of killed writes are removed. The returned
// function releases the lock.
func openRunDir(dir string, resume, overwrite bool) (unlock func(), err error) {
	unlock, err = train.LockRun(dir)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			unlock()
		}
	}()
	if err := train.RemoveStaleTemps(dir); err != nil {
		return nil, err
	}
	if !resume {
		return unlock, train.PrepareFresh(dir, overwrite)
	}
	if _, err := os.Stat(filepath.Join(dir, train.SpecFile)); err != nil {
		return nil, fmt.Errorf("--resume: %s is not a run directory: %w", dir, err)
	}
	ckpt := filepath.Join(dir, train.CheckpointFile)
	stage, step, err := train.CheckpointPosition(ckpt)
	if err != nil {
		return nil, fmt.Errorf("--resume: %w", err)
	}
	if err := train.TrimMetrics(dir, stage, step); err != nil {
		return nil, fmt.Errorf("--resume: %w", err)
	}
	return unlock, nil
}

// divergenceHint names the flag most likely to have made a stage diverge.
func divergenceHint(d *train.DivergedError, cfg train.TrainConfig) string {
	switch {
	case d.Tensor == "" && d.Step == 1 && cfg.Warmup == 0:
		return fmt.Sprintf("the first step already diverged: check the inputs (model weights, factors), or lower --lr (now %g) and use --warmup", cfg.LR)
	case cfg.LR > 0.01:
		return fmt.Sprintf("--lr %g is likely too high (1e-3 to 1e-4 are usual); lower it, or keep --clip on (now %g)", cfg.LR, cfg.Clip)
	case cfg.LR*cfg.WeightDecay >= 1:
		return fmt.Sprintf("--weight-decay %g times --lr %g is >= 1, so every step flips and grows the weights: lower --weight-decay (OpenP5 uses 0.01)", cfg.WeightDecay, cfg.LR)
	case cfg.Clip <= 0:
		return fmt.Sprintf("gradient clipping is off: use --clip 1, or lower --lr (now %g)", cfg.LR)
	}
	return fmt.Sprintf("lower --lr (now %g) or raise --warmup (now %d)", cfg.LR, cfg.Warmup)
}

// trainStopped turns the error that ended RunStages into the command's
// error: nil when it finished; for a divergence, diverged.json in dir and
// a message naming the step, the checkpoint kept and the likely flag; for
// a cancellation, its cause: a signal (exit code 130 or 143) or an error
// of the command's own (a metrics write).
func trainStopped(err error, dir string, s1, s2 train.TrainConfig, cause error) error {
	if err == nil {
		return nil
	}
	if d, ok := train.AsDiverged(err); ok {
		cfg := s2
		if d.Stage == 1 {
			cfg = s1
		}
		hint := divergenceHint(d, cfg)
		kept := "no checkpoint was written"
		if stage, step, cerr := train.CheckpointPosition(filepath.Join(dir, train.CheckpointFile)); cerr == nil {
			kept = fmt.Sprintf("the checkpoint of stage %d step %d is kept", stage, step)
		}
		if werr := train.WriteDiverged(dir, d, hint); werr != nil {
			return fmt.Errorf("%w; %s (and writing %s failed: %v)\nhint: %s", err, kept, train.DivergedFile, werr, hint)
		}
		return fmt.Errorf("%w; %s; details in %s\nhint: %s", err, kept, filepath.Join(dir, train.DivergedFile), hint)
	}
	if errors.Is(err, context.Canceled) {
		var sc *signalCause
		switch {
		case errors.As(cause, &sc):
			return &exitError{code: signalExitCode(sc.sig),
				err: fmt.Errorf("%v: checkpoint saved; continue with: embrec train --out %s --resume", sc, dir)}
		case cause != nil && !errors.Is(cause, context.Canceled):
			return cause
		}
		return &exitError{code: exitInterrupt, err: fmt.Errorf("interrupted: checkpoint saved; continue with: embrec train --out %s --resume", dir)}
	}
	return err
}

// addAcceptFlag adds --accept-changed-inputs to a command that loads a run.
func addAcceptFlag(fs *flag.FlagSet) *bool {
	return fs.Bool("accept-changed-inputs", false, "use the run even if a file it was built from (dataset, model, templates, its tokenizer or factors) changed since training")
}

// dataSHA256 is the hash recorded in a factor file's metadata ("" when
// the file cannot be read again).
func dataSHA256(path string) string {
	_, sum, err := train.FileDigest(path)
	if err != nil {
		return ""
	}
	return sum
}
