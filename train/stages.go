// The paper's two stages in one run directory: stage 1 trains the
// projectors with the backbone frozen; stage 2 starts from stage 1's
// projectors and trains them with LoRA (or the whole backbone). A resumed
// run picks up in whichever stage its checkpoint was written.

package train

import (
	"embrec/internal/atomicfile"

	"context"
	"fmt"
	"os"
	"path/filepath"
)

// Stage1File holds the weights stage 2 starts from.
const Stage1File = "stage1.safetensors"

// Hooks report progress of RunStages.
type Hooks struct {
	OnStart func(stage int, t *Trainer) // before a stage's first (or resumed) step
	OnStep  func(stage int, st StepStats)
	OnSaved func(stage int, path string, step int)
	OnValid func(st ValidStats) // after each validation (see Validation)
}

// RunStages trains stage 1 (when stage1.Steps > 0 and the model has
// projectors) and then stage 2 in dir, checkpointing every saveEvery steps
// and on cancellation, validating stage 2 as v says (keeping the best
// checkpoint, stopping early). With resume, it continues from dir's
// checkpoint.
func RunStages(ctx context.Context, b *Built, stage1, stage2 TrainConfig, dir string, saveEvery int, resume bool, v Validation, h Hooks) error {
	stage1.Stage, stage2.Stage = 1, 2
	ckpt := filepath.Join(dir, CheckpointFile)
	startStage, haveCkpt := 1, false
	if resume {
		st, _, err := CheckpointPosition(ckpt)
		if err != nil {
			return fmt.Errorf("resume: %w", err)
		}
		startStage, haveCkpt = st, true
	}
	r := b.Rec
	run := func(stage int, cfg TrainConfig, from string, resumeHere bool) error {
		t, err := NewTrainer(r, b.Templates, cfg)
		if err != nil {
			return err
		}
		r.AttachAdapters(stage == 2)
		if resumeHere {
			if err := t.LoadCheckpoint(ckpt, true); err != nil {
				return err
			}
		} else if from != "" {
			if err := t.LoadCheckpoint(from, false); err != nil {
				return err
			}
		}
		if stage == 2 && !resumeHere && b.Spec.ItemHead == ItemHeadWALS {
			tpl, err := b.Templates.Get("sequential", "seen:0")
			if err != nil {
				return err
			}
			if err := r.InitItemHead(tpl); err != nil {
				return err
			}
		}
		if stage == 2 {
			va, err := newValidator(v, b, dir, resumeHere)
			if err != nil {
				return err
			}
			if va != nil {
				if va.have && v.Patience > 0 && va.best.Stale >= v.Patience {
					return nil // stopped early before the interruption
				}
				t.AfterStep = func(t *Trainer, last bool) (bool, error) { return va.after(t, last, h.OnValid) }
			}
		}
		if h.OnStart != nil {
			h.OnStart(stage, t)
		}
		save := func() error {
			if err := t.SaveCheckpoint(ckpt); err != nil {
				return err
			}
			if h.OnSaved != nil {
				h.OnSaved(stage, ckpt, t.Step)
			}
			return nil
		}
		var onStep func(StepStats)
		if h.OnStep != nil {
			onStep = func(st StepStats) { h.OnStep(stage, st) }
		}
		return t.Run(ctx, saveEvery, save, onStep)
	}
	doStage1 := stage1.Steps > 0 && r.Proj != nil
	if doStage1 && startStage == 1 {
		if err := run(1, stage1, "", haveCkpt); err != nil {
			return err
		}
		if err := copyFile(ckpt, filepath.Join(dir, Stage1File)); err != nil {
			return err
		}
		haveCkpt = false
	}
	from := ""
	if doStage1 {
		from = filepath.Join(dir, Stage1File)
	}
	return run(2, stage2, from, haveCkpt && startStage == 2)
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(dst, b)
}
