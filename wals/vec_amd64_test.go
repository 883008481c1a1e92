// The portable Go kernels, forced on amd64, pass the same tests as the
// assembly (on other architectures they are the only kernels).

package wals

import "testing"

func TestGoFallbackOnAMD64(t *testing.T) {
	saved := useAVX2
	useAVX2 = false
	defer func() { useAVX2 = saved }()
	t.Run("kernels", TestVectorKernels)
	t.Run("gemvT", TestGemvT)
	t.Run("accum", TestAccum)
	t.Run("dense", TestSolveSideMatchesDense)
	t.Run("gram", TestGramMatchesAxpy)
}
