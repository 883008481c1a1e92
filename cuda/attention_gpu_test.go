package cuda

import (
	"testing"

	"embrec/tensor/tensortest"
)

// TestAttentionBF16GPU: the tensor-core attention (the default) on the
// device against float64: the cases of attention_test.go plus a training
// shape (T = 256: full GEMM tiles, every operand on the 16-byte path,
// HS = 100 packed to 104, GQA 8/2), relative L2 error within
// attnBF16RelL2; and the conformance suite's attention cases (odd and empty
// shapes, decoding, padding around every buffer untouched) at attnBF16Tol.
// The float32 path is the conformance suite's (TestConformanceGPU).
func TestAttentionBF16GPU(t *testing.T) {
	b := newTestBackend(t)
	if b.attnF32 {
		t.Fatal("tensor-core attention is not the default")
	}
	cases := append([]attnShape{{B: 2, Tq: 256, Tk: 256, NH: 8, NKV: 2, HS: 100}}, attnCases...)
	checkAttention(t, b, cases, attnBF16RelL2)
	t.Run("suite", func(t *testing.T) { tensortest.Attention(t, b, attnBF16Tol) })
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
}
