// The memory plan of training on the CPU: the activation arena of the
// largest micro-batch is sized before anything is allocated, and a batch
// that cannot fit in the machine's memory is refused with an error naming
// the batch size, instead of being killed by the OOM killer mid-run.

package train

import (
	"fmt"

	"embrec/internal/memplan"
	"embrec/llama"
	"embrec/tensor"
)

// planSeqLen is the padded length of the longest training sequence the
// trainer will build: the sample with the longest history in every seen
// template of every task, rounded up as microBatch rounds.
func (t *Trainer) planSeqLen() (int, error) {
	longest := 0
	for i, s := range t.samples {
		if len(s.History) > len(t.samples[longest].History) {
			longest = i
		}
	}
	T := 0
	for task, tps := range t.Templates {
		smp := t.samples[longest]
		if task == "straightforward" {
			smp.History = nil
		}
		for _, tp := range tps {
			p, err := t.R.Enc.Encode(tp, smp, true)
			if err != nil {
				return 0, err
			}
			T = max(T, SeqLen(p, true))
		}
	}
	T = (T + 15) / 16 * 16
	return min(T, t.R.LLM.Config.MaxPos), nil
}

// checkMemory refuses, on the CPU backend, a micro-batch whose activation
// arena (plus the trainable parameters' gradients and AdamW moments) does
// not fit in the available memory.
func (t *Trainer) checkMemory() error {
	cpu, ok := t.R.b.(*tensor.CPU)
	if !ok {
		return nil // device memory is the device backend's to check
	}
	T, err := t.planSeqLen()
	if err != nil {
		return err
	}
	opt := llama.RunOptions{SaveBF16: t.R.LLM.Layers[0].Gate.DType() == tensor.BF16}
	acts := llama.ActivationBytes(t.R.LLM.Config, t.Cfg.Batch, T, opt)
	need := memplan.Add(uint64(max(acts, 0)), memplan.Mul(t.R.TrainableParams(), 4*4))
	return memplan.Check(fmt.Sprintf("train: batch %d of up to %d tokens", t.Cfg.Batch, T), need, cpu.MemLimit())
}

// CheckStages builds (and discards) the trainers of the stages RunStages
// will run, so that a configuration they refuse (a batch that does not fit
// in memory, a task without seen templates) fails before the run
// directory is written.
func CheckStages(b *Built, stage1, stage2 TrainConfig) error {
	stage1.Stage, stage2.Stage = 1, 2
	if stage1.Steps > 0 && b.Rec.Proj != nil {
		if _, err := NewTrainer(b.Rec, b.Templates, stage1); err != nil {
			return fmt.Errorf("stage 1: %w", err)
		}
	}
	if _, err := NewTrainer(b.Rec, b.Templates, stage2); err != nil {
		return fmt.Errorf("stage 2: %w", err)
	}
	return nil
}
