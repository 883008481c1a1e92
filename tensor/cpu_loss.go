// CPU softmax cross-entropy over selected rows, split over rows.

package tensor

import (
	"fmt"
	"math"

	"embrec/internal/vec"
)

// logSumExp returns the row maximum and log(sum(exp(x - max))).
func logSumExp(x []float32) (mx float32, lse float64) {
	mx = vec.Max(x)
	var s float64
	var buf [256]float32
	for len(x) > 0 {
		n := min(len(x), len(buf))
		e := buf[:n]
		expAffine(e, x[:n], 1, -mx) // exp32(v - mx)
		s += vec.SumF64(e)
		x = x[n:]
	}
	return mx, math.Log(s)
}

type ceFwdJob struct {
	losses, logits []float32
	targets        []int32
	V              int
}

func (j *ceFwdJob) run(lo, hi int) {
	for r := lo; r < hi; r++ {
		t := j.targets[r]
		if t < 0 {
			j.losses[r] = 0
			continue
		}
		x := j.logits[r*j.V : r*j.V+j.V]
		mx, lse := logSumExp(x)
		j.losses[r] = float32(lse - float64(x[t]-mx))
	}
}

func checkTargets(op string, logits *Tensor, targets []int32) {
	if len(targets) != logits.Rows() {
		panic(fmt.Sprintf("tensor: %s: %d targets for logits %v", op, len(targets), logits))
	}
	for _, t := range targets {
		if int(t) >= logits.Cols() {
			panic(fmt.Sprintf("tensor: %s: target %d outside vocabulary of %d", op, t, logits.Cols()))
		}
	}
}

// CrossEntropyForward implements Losses.
func (c *CPU) CrossEntropyForward(losses, logits *Tensor, targets []int32) {
	checkTargets("CrossEntropyForward", logits, targets)
	if losses.Len() != logits.Rows() {
		panic(fmt.Sprintf("tensor: CrossEntropyForward: losses %v, logits %v", losses, logits))
	}
	c.ceFwd = ceFwdJob{Float32s(losses), Float32s(logits), targets, logits.Cols()}
	c.pool.parallel(logits.Rows(), 8*logits.Cols(), &c.ceFwd)
	c.ceFwd = ceFwdJob{}
}

type ceBwdJob struct {
	dLogits, logits []float32
	targets         []int32
	V               int
	scale           float32
}

func (j *ceBwdJob) run(lo, hi int) {
	for r := lo; r < hi; r++ {
		d := j.dLogits[r*j.V : r*j.V+j.V]
		t := j.targets[r]
		if t < 0 {
			clear(d)
			continue
		}
		x := j.logits[r*j.V : r*j.V+j.V]
		mx := vec.Max(x)
		expAffine(d, x, 1, -mx) // exp32(v - mx): softmax = exp(x - max) / sum, one exp pass
		vec.Scale(float32(float64(j.scale)/vec.SumF64(d)), d)
		d[t] -= j.scale
	}
}

// CrossEntropyBackward implements Losses.
func (c *CPU) CrossEntropyBackward(dLogits, logits *Tensor, targets []int32, scale float32) {
	checkTargets("CrossEntropyBackward", logits, targets)
	checkSame("CrossEntropyBackward", dLogits, logits)
	c.ceBwd = ceBwdJob{Float32s(dLogits), Float32s(logits), targets, logits.Cols(), scale}
	c.pool.parallel(logits.Rows(), 12*logits.Cols(), &c.ceBwd)
	c.ceBwd = ceBwdJob{}
}
