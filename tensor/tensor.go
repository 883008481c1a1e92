// Tensor: shape, dtype and a contiguous window into backend-owned storage.

package tensor

import (
	"fmt"
	"strings"
)

// DType is the element type of a tensor.
type DType uint8

const (
	F32  DType = iota // IEEE binary32, the compute type
	F16               // IEEE binary16, storage only
	BF16              // bfloat16, storage only
)

// Size is the size of one element in bytes.
func (d DType) Size() int {
	if d == F32 {
		return 4
	}
	return 2
}

func (d DType) String() string {
	switch d {
	case F32:
		return "F32"
	case F16:
		return "F16"
	case BF16:
		return "BF16"
	}
	return fmt.Sprintf("DType(%d)", uint8(d))
}

// Storage is a backend's buffer of elements of one dtype. Backends
// type-assert it to their own concrete type.
type Storage interface {
	// Len is the number of elements.
	Len() int
	// DType is the element type.
	DType() DType
}

// Tensor is a row-major, contiguous view into Storage.
type Tensor struct {
	shape []int
	st    Storage
	off   int // element offset into st
	n     int // number of elements, product of shape
}

// NewTensor wraps st[off : off+prod(shape)] as a tensor. Backends call it;
// users call Backend.New.
func NewTensor(st Storage, off int, shape ...int) *Tensor {
	n := numel(shape)
	if off < 0 || off+n > st.Len() {
		panic(fmt.Sprintf("tensor: view [%d:%d] outside storage of %d elements", off, off+n, st.Len()))
	}
	return &Tensor{shape: append([]int(nil), shape...), st: st, off: off, n: n}
}

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 0 {
			panic(fmt.Sprintf("tensor: negative dimension in shape %v", shape))
		}
		n *= d
	}
	return n
}

// Shape returns the dimensions; the caller must not modify the slice.
func (t *Tensor) Shape() []int { return t.shape }

// Rank is the number of dimensions.
func (t *Tensor) Rank() int { return len(t.shape) }

// Dim returns dimension i; negative i counts from the end.
func (t *Tensor) Dim(i int) int {
	if i < 0 {
		i += len(t.shape)
	}
	return t.shape[i]
}

// Len is the number of elements.
func (t *Tensor) Len() int { return t.n }

// DType is the element type.
func (t *Tensor) DType() DType { return t.st.DType() }

// Storage is the underlying buffer; Offset is where this tensor starts in it.
func (t *Tensor) Storage() Storage { return t.st }

// Offset is the element offset of the tensor's first element in Storage.
func (t *Tensor) Offset() int { return t.off }

// Cols is the last dimension (1 for a scalar); Rows is Len()/Cols(), the
// number of rows of the tensor seen as a matrix.
func (t *Tensor) Cols() int {
	if len(t.shape) == 0 {
		return 1
	}
	return t.shape[len(t.shape)-1]
}

// Rows is the product of all dimensions but the last.
func (t *Tensor) Rows() int {
	c := t.Cols()
	if c == 0 {
		return numel(t.shape[:max(len(t.shape)-1, 0)])
	}
	return t.n / c
}

// View returns the tensor of the given shape that starts off elements into
// t. It shares storage with t and must lie inside t.
func (t *Tensor) View(off int, shape ...int) *Tensor {
	n := numel(shape)
	if off < 0 || off+n > t.n {
		panic(fmt.Sprintf("tensor: view [%d:%d] %v outside tensor %v", off, off+n, shape, t.shape))
	}
	return &Tensor{shape: append([]int(nil), shape...), st: t.st, off: t.off + off, n: n}
}

// Reshape returns a view of t with another shape of the same size.
func (t *Tensor) Reshape(shape ...int) *Tensor {
	if numel(shape) != t.n {
		panic(fmt.Sprintf("tensor: cannot reshape %v (%d elements) to %v", t.shape, t.n, shape))
	}
	return t.View(0, shape...)
}

// Row returns row i of t seen as a (Rows, Cols) matrix, as a (Cols) tensor.
func (t *Tensor) Row(i int) *Tensor { return t.View(i*t.Cols(), t.Cols()) }

// Slice returns entries [lo, hi) of the first dimension.
func (t *Tensor) Slice(lo, hi int) *Tensor {
	if len(t.shape) == 0 || lo < 0 || hi < lo || hi > t.shape[0] {
		panic(fmt.Sprintf("tensor: slice [%d:%d] of shape %v", lo, hi, t.shape))
	}
	inner := 1
	for _, d := range t.shape[1:] {
		inner *= d
	}
	shape := append([]int{hi - lo}, t.shape[1:]...)
	return t.View(lo*inner, shape...)
}

func (t *Tensor) String() string {
	dims := make([]string, len(t.shape))
	for i, d := range t.shape {
		dims[i] = fmt.Sprint(d)
	}
	return fmt.Sprintf("%s(%s)", t.DType(), strings.Join(dims, ","))
}

// SameShape reports whether a and b have identical shapes.
func SameShape(a, b *Tensor) bool {
	if len(a.shape) != len(b.shape) {
		return false
	}
	for i := range a.shape {
		if a.shape[i] != b.shape[i] {
			return false
		}
	}
	return true
}
