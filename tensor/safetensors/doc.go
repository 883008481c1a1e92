// Package safetensors reads and writes the safetensors tensor file format
// (https://huggingface.co/docs/safetensors), the layout of Hugging Face
// checkpoints.
//
// # Format
//
// A file is:
//
//	8 bytes      N, the header length, little-endian uint64
//	N bytes      the header: a UTF-8 JSON object, optionally padded with spaces
//	the rest     the data buffer
//
// The header maps each tensor name to {"dtype": "F32", "shape": [2, 3],
// "data_offsets": [begin, end]}, where [begin, end) is a byte range relative
// to the start of the data buffer, and may hold the reserved key
// "__metadata__" mapping to an object of string values. Tensor data is
// row-major (C order), little-endian. A scalar has shape [].
//
// # Reading
//
// Open memory-maps the file read-only (on systems without mmap, behind the
// !unix build tag, it reads the file into memory) and validates the whole
// header before returning. File.Bytes returns zero-copy views of the mapping;
// File.Float32 and File.ReadFloat32Into convert F32, F16 and BF16 tensors to
// float32 via package embrec/tensor/half. A file must not be truncated or
// rewritten in place while it is open: touching unmapped pages of a shrunk
// file kills the process with SIGBUS (the writers here never rewrite in place,
// they rename a new file over the old one).
//
// # Validation
//
// ParseHeader (which Open uses) is strict, and reports every violation as a
// *FormatError naming the file and the tensor. It never panics. It rejects:
//
//   - a header length over MaxHeaderSize (100 MB) or past the end of the file;
//   - a header that is not valid UTF-8, not a single JSON object, or has
//     anything but JSON whitespace after the object;
//   - duplicate keys, both tensor names and "__metadata__" keys (checked on
//     the token stream, after unescaping, so "a" and "\u0061" are the same key);
//   - a tensor entry that is not an object of exactly dtype, shape and
//     data_offsets (missing, repeated or unknown fields);
//   - an empty tensor name;
//   - an unknown dtype (see DType: sub-byte types such as F4 are not supported);
//   - shape or offsets that are not non-negative integers ("1.0", "1e3" and
//     "-1" are rejected), dimensions that do not fit in an int, a product of
//     shape times the dtype size that overflows int64;
//   - data_offsets that are not two numbers, begin > end, end past the data
//     buffer, or a byte count different from product(shape) * dtype size;
//   - two tensors whose byte ranges overlap (a zero-size tensor may sit at the
//     boundary between two others, not strictly inside one);
//   - "__metadata__" that is not an object of strings (null is accepted and
//     means no metadata).
//
// It accepts holes: bytes of the data buffer that no tensor covers, between
// tensors or at the end. The reference implementation rejects them, but they
// make no tensor ambiguous, and files written by other tools with alignment
// padding have them.
//
// # Writing
//
// Write saves in-memory tensors; Create returns a Writer that streams them
// one at a time, so a multi-gigabyte model never needs to be in memory whole.
// Both write the header with "__metadata__" first (when there is metadata)
// and the tensor keys in sorted order, pad it with spaces so that the data
// buffer starts at a multiple of 8 bytes, and leave no holes. Writes are
// atomic: data goes to a temporary file in the target's directory, which is
// synced, closed and renamed over the target, after which the directory is
// synced; on any error the temporary file is removed and the target is
// untouched.
package safetensors
