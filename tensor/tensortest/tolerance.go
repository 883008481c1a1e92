// Tolerance tables: |got - ref| <= Atol + Rtol * mag, where mag is |ref|
// for element-wise ops and the sum of absolute terms for reductions.

package tensortest

// Tol is the allowed error of one op.
type Tol struct{ Atol, Rtol float64 }

// Tolerances maps an op family to its tolerance.
type Tolerances map[string]Tol

// F32 is the table for float32 backends. float32's unit roundoff is
// u = 6e-8. An element-wise op rounds a handful of times (a few u of |ref|);
// exp, tanh and sigmoid computed through float64 then rounded add about 1 u.
// A reduction of K float32 products in any order errs by at most about
// K*u*sum|terms|; the suite's largest K is ~300 (2e-5) and blocked or
// pairwise summation is far below that bound, so 2e-5 of the magnitude
// covers every order of summation without hiding a wrong term (a wrong term
// is an error of order 1 of the magnitude). Attention and cross-entropy
// chain a reduction, a softmax and another reduction: 5e-5 of magnitude.
// Atol absorbs results that cancel to near zero.
var F32 = Tolerances{
	"elementwise": {Atol: 1e-6, Rtol: 1e-6},
	"activation":  {Atol: 1e-6, Rtol: 1e-5},
	"matmul":      {Atol: 1e-6, Rtol: 2e-5},
	"norm":        {Atol: 1e-6, Rtol: 2e-5},
	"rope":        {Atol: 1e-6, Rtol: 1e-5},
	"attention":   {Atol: 1e-6, Rtol: 5e-5},
	"loss":        {Atol: 1e-6, Rtol: 5e-5},
	"optimizer":   {Atol: 1e-7, Rtol: 1e-5},
	"convert":     {Atol: 0, Rtol: 1.0 / 128}, // one bf16 ulp: half an ulp per rounding, twice through f16
	// A product with BF16 operands, against the float64 product of the
	// operands rounded to BF16: the products are exact in float32, so only
	// the float32 sums err, as in "matmul"; a backend that flushes BF16
	// denormals (VDPBF16PS) differs by terms below 1e-38, inside Atol.
	"matmul_bf16": {Atol: 1e-6, Rtol: 2e-5},
}

func (ts Tolerances) get(name string) Tol {
	t, ok := ts[name]
	if !ok {
		panic("tensortest: no tolerance for " + name)
	}
	return t
}
