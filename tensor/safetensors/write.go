// Write: save a set of in-memory tensors to a file in one call.

package safetensors

import (
	"fmt"
	"slices"
	"strings"

	"embrec/tensor/half"
)

// Tensor is an in-memory tensor to write: Data holds its raw little-endian
// bytes, exactly product(Shape) * DType.Size() of them.
type Tensor struct {
	Name  string
	DType DType
	Shape []int
	Data  []byte
}

// Write saves tensors and metadata (nil for none) to path atomically (see
// Writer.Close). The data buffer holds the tensors in name order.
func Write(path string, tensors []Tensor, metadata map[string]string) error {
	sorted := slices.Clone(tensors)
	slices.SortStableFunc(sorted, func(a, b Tensor) int { return strings.Compare(a.Name, b.Name) })
	specs := make([]Spec, len(sorted))
	for i, t := range sorted {
		specs[i] = Spec{Name: t.Name, DType: t.DType, Shape: t.Shape}
	}
	sizes, _, err := buildHeader(path, specs, metadata)
	if err != nil {
		return err
	}
	for i, t := range sorted { // check before creating anything
		if int64(len(t.Data)) != sizes[i] {
			return formatErr(path, t.Name, "%d bytes given, shape %v %s needs %d", len(t.Data), t.Shape, t.DType, sizes[i])
		}
	}
	w, err := Create(path, specs, metadata)
	if err != nil {
		return err
	}
	for _, t := range sorted {
		if err := w.WriteTensor(t.Name, t.Data); err != nil {
			w.Abort()
			return err
		}
	}
	return w.Close()
}

func numElements(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

func checkValues(fn, name string, shape []int, n int) {
	for _, d := range shape {
		if d < 0 {
			panic(fmt.Sprintf("safetensors: %s(%q): negative dimension in shape %v", fn, name, shape))
		}
	}
	if numElements(shape) != n {
		panic(fmt.Sprintf("safetensors: %s(%q): %d values for shape %v", fn, name, n, shape))
	}
}

// F32Tensor makes an F32 Tensor from data. It panics if len(data) is not the
// product of shape.
func F32Tensor(name string, shape []int, data []float32) Tensor {
	checkValues("F32Tensor", name, shape, len(data))
	b := make([]byte, 4*len(data))
	half.EncodeF32(b, data)
	return Tensor{Name: name, DType: F32, Shape: slices.Clone(shape), Data: b}
}

// BF16Tensor makes a BF16 Tensor from data, rounding to nearest even. It
// panics if len(data) is not the product of shape.
func BF16Tensor(name string, shape []int, data []float32) Tensor {
	checkValues("BF16Tensor", name, shape, len(data))
	b := make([]byte, 2*len(data))
	half.EncodeBF16(b, data)
	return Tensor{Name: name, DType: BF16, Shape: slices.Clone(shape), Data: b}
}

// F16Tensor makes an F16 Tensor from data, rounding to nearest even. It
// panics if len(data) is not the product of shape.
func F16Tensor(name string, shape []int, data []float32) Tensor {
	checkValues("F16Tensor", name, shape, len(data))
	b := make([]byte, 2*len(data))
	half.EncodeF16(b, data)
	return Tensor{Name: name, DType: F16, Shape: slices.Clone(shape), Data: b}
}
