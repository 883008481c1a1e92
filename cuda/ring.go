// The staging ring: per-op host arrays (token ids, positions, key masks,
// targets) travel inside the command stream and are copied into a ring of
// device memory just before the kernel that reads them. Reusing a slot is
// safe without any fence: the copy that overwrites it is queued on the same
// stream after every kernel that read its previous contents.

package cuda

import (
	"fmt"

	"embrec/tensor"
)

type ring struct {
	buf  *tensor.Tensor
	base uint64
	size int
	off  int
	b    *Backend
}

func (r *ring) init(b *Backend, size int) error {
	r.b = b
	r.buf = b.New(tensor.F32, size/4)
	r.base = addr(r.buf)
	r.size = size
	return nil
}

// put queues the upload of v and returns its device address (0 for nil).
func (r *ring) put(v []int32) uint64 {
	if v == nil {
		return 0
	}
	n := 4 * len(v)
	if n > r.size {
		panic(fmt.Sprintf("cuda: host array of %d elements exceeds the %d-byte staging ring", len(v), r.size))
	}
	if r.off+n > r.size {
		r.off = 0
	}
	dst := r.base + uint64(r.off)
	r.off += (n + arenaAlign - 1) &^ (arenaAlign - 1)
	if n == 0 {
		return dst
	}
	b := r.b
	b.cmds = append(b.cmds, opUpload, dst, uint64(n))
	for i := 0; i < len(v); i += 2 {
		w := uint64(uint32(v[i]))
		if i+1 < len(v) {
			w |= uint64(uint32(v[i+1])) << 32
		}
		b.cmds = append(b.cmds, w)
	}
	b.counted()
	return dst
}

// checkIDs panics unless every id is in [0, n) (the CPU backend's check).
func checkIDs(op string, ids []int32, rows, n int) {
	if len(ids) != rows {
		panic(fmt.Sprintf("cuda: %s: %d ids for %d rows", op, len(ids), rows))
	}
	for _, id := range ids {
		if id < 0 || int(id) >= n {
			panic(fmt.Sprintf("cuda: %s: id %d outside [0, %d)", op, id, n))
		}
	}
}
