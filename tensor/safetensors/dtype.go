// Element types of the safetensors format and their sizes.

package safetensors

// DType is a safetensors element type, spelled as in the header ("F32").
type DType string

// The element types this package recognises. Only F32, F16 and BF16 convert
// to float32 (File.Float32); the others are read as raw bytes (File.Bytes).
// Sub-byte types of newer safetensors versions (F4, F6_E2M3, F6_E3M2) are not
// recognised and make a header invalid.
const (
	F32    DType = "F32"
	F16    DType = "F16"
	BF16   DType = "BF16"
	F64    DType = "F64"
	F8E4M3 DType = "F8_E4M3"
	F8E5M2 DType = "F8_E5M2"
	F8E8M0 DType = "F8_E8M0"
	C64    DType = "C64"
	I64    DType = "I64"
	I32    DType = "I32"
	I16    DType = "I16"
	I8     DType = "I8"
	U64    DType = "U64"
	U32    DType = "U32"
	U16    DType = "U16"
	U8     DType = "U8"
	BOOL   DType = "BOOL"
)

// Size returns the size of one element in bytes, or 0 for a type this
// package does not recognise.
func (d DType) Size() int {
	switch d {
	case BOOL, U8, I8, F8E4M3, F8E5M2, F8E8M0:
		return 1
	case F16, BF16, I16, U16:
		return 2
	case F32, I32, U32:
		return 4
	case F64, I64, U64, C64:
		return 8
	}
	return 0
}

// Known reports whether d is one of the recognised element types.
func (d DType) Known() bool { return d.Size() != 0 }

// IsFloat32Convertible reports whether File.Float32 can decode d.
func (d DType) IsFloat32Convertible() bool { return d == F32 || d == F16 || d == BF16 }
