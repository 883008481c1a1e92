//go:build cuda

// The real device: gorgonia.org/cu for the device, context and memory, and
// a small cgo executor that runs a whole command stream (device.go) with one
// cgo call: kernel launches with their parameters read in place, inline
// host-to-device copies, memsets, device copies and event records, all on
// the legacy default stream of the context. One goroutine, locked to its OS
// thread, owns the context and runs every CUDA call.

package cuda

/*
#include <cuda.h>
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>

// embrec_run executes the command stream c[0:n] on stream s. On failure it
// returns the error and sets *at to the index of the failing command.
// sync_each synchronises after every launch (debug mode).
static CUresult embrec_run(uint64_t* c, size_t n, CUstream s, int sync_each, size_t* at) {
	size_t i = 0;
	while (i < n) {
		CUresult r = CUDA_SUCCESS;
		*at = i;
		switch (c[i]) {
		case 1: {
			void* params[64];
			unsigned np = (unsigned)c[i + 9];
			if (np > 64 || i + 10 + np > n) return CUDA_ERROR_INVALID_VALUE;
			for (unsigned k = 0; k < np; k++) params[k] = (void*)&c[i + 10 + k];
			r = cuLaunchKernel((CUfunction)(uintptr_t)c[i + 1], (unsigned)c[i + 2], (unsigned)c[i + 3],
			                   (unsigned)c[i + 4], (unsigned)c[i + 5], (unsigned)c[i + 6], (unsigned)c[i + 7],
			                   (unsigned)c[i + 8], s, params, NULL);
			if (r == CUDA_SUCCESS && sync_each) r = cuStreamSynchronize(s);
			i += 10 + np;
			break;
		}
		case 2: { // pageable source: staged by the driver before the call returns
			size_t nb = (size_t)c[i + 2];
			r = cuMemcpyHtoDAsync((CUdeviceptr)c[i + 1], &c[i + 3], nb, s);
			i += 3 + (nb + 7) / 8;
			break;
		}
		case 3:
			r = cuMemsetD8Async((CUdeviceptr)c[i + 1], 0, (size_t)c[i + 2], s);
			i += 3;
			break;
		case 4:
			r = cuMemcpyDtoDAsync((CUdeviceptr)c[i + 1], (CUdeviceptr)c[i + 2], (size_t)c[i + 3], s);
			i += 4;
			break;
		case 5:
			r = cuEventRecord((CUevent)(uintptr_t)c[i + 1], s);
			i += 2;
			break;
		default:
			return CUDA_ERROR_INVALID_VALUE;
		}
		if (r != CUDA_SUCCESS) return r;
	}
	return CUDA_SUCCESS;
}

// embrec_load JIT-compiles a PTX module; the driver's error log goes to log.
static CUresult embrec_load(CUmodule* m, const char* ptx, char* log, unsigned loglen) {
	CUjit_option opts[2] = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
	void* vals[2] = {log, (void*)(uintptr_t)loglen};
	return cuModuleLoadDataEx(m, ptx, 2, opts, vals);
}

static CUresult embrec_function(uint64_t* fn, CUmodule m, const char* name) {
	CUfunction f;
	CUresult r = cuModuleGetFunction(&f, m, name);
	*fn = (uint64_t)(uintptr_t)f;
	return r;
}

// embrec_smem lets kernel fn use bytes of dynamic shared memory (above the
// default 48 KiB) and prefers the largest shared-memory carveout for it.
static CUresult embrec_smem(uint64_t fn, int bytes) {
	CUfunction f = (CUfunction)(uintptr_t)fn;
	CUresult r = cuFuncSetAttribute(f, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes);
	if (r != CUDA_SUCCESS) return r;
	return cuFuncSetAttribute(f, CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT, CU_SHAREDMEM_CARVEOUT_MAX_SHARED);
}

static CUresult embrec_event(uint64_t* ev) {
	CUevent e;
	CUresult r = cuEventCreate(&e, CU_EVENT_DEFAULT);
	*ev = (uint64_t)(uintptr_t)e;
	return r;
}

static CUresult embrec_elapsed(float* ms, uint64_t a, uint64_t b) {
	CUresult r = cuEventSynchronize((CUevent)(uintptr_t)b);
	if (r != CUDA_SUCCESS) return r;
	r = cuEventElapsedTime(ms, (CUevent)(uintptr_t)a, (CUevent)(uintptr_t)b);
	cuEventDestroy((CUevent)(uintptr_t)a);
	cuEventDestroy((CUevent)(uintptr_t)b);
	return r;
}

// embrec_tensor_map encodes the tensor map of a BF16 operand (cuda/tma.go)
// into out (128 bytes): three dimensions (d[0] contiguous), the strides of
// dimensions 1 and 2 in bytes, a box of box0 x box1 x 1 elements, the
// 128-byte swizzle, zeros outside the tensor. cuTensorMapEncodeTiled is a
// CUDA 12 driver entry point that this build's CUDA 11.8 header does not
// declare: it is looked up in the driver by name (cuGetProcAddress),
// with its CUDA 12.0 signature and enum values (data type 9 = BFLOAT16,
// interleave 0 = none, swizzle 3 = 128B, L2 promotion 3 = 256B, fill 0 =
// zeros).
typedef CUresult (*embrec_encode_tiled)(void* map, int dtype, unsigned rank, void* addr, const uint64_t* dims,
                                        const uint64_t* strides, const unsigned* box, const unsigned* estrides,
                                        int interleave, int swizzle, int l2promotion, int oobfill);

static CUresult embrec_tensor_map(uint64_t* out, uint64_t addr, const uint64_t* dims, const uint64_t* strides,
                                  unsigned box0, unsigned box1) {
	static embrec_encode_tiled encode;
	if (!encode) {
		void* fn = 0;
		CUresult r = cuGetProcAddress("cuTensorMapEncodeTiled", &fn, 12000, CU_GET_PROC_ADDRESS_DEFAULT);
		if (r != CUDA_SUCCESS) return r;
		if (!fn) return CUDA_ERROR_NOT_SUPPORTED;
		encode = (embrec_encode_tiled)fn;
	}
	_Alignas(64) uint64_t map[16];
	unsigned box[3] = {box0, box1, 1}, estrides[3] = {1, 1, 1};
	CUresult r = encode(map, 9, 3, (void*)(uintptr_t)addr, dims, strides, box, estrides, 0, 3, 3, 0);
	for (int i = 0; i < 16; i++) out[i] = map[i];
	return r;
}

static const char* embrec_error(CUresult r) {
	const char* s = 0;
	cuGetErrorString(r, &s);
	return s ? s : "unknown CUDA error";
}
*/
import "C"

import (
	"fmt"
	"runtime"
	"sync"
	"unsafe"

	"gorgonia.org/cu"

	"embrec/kernels"
)

// Built reports whether this binary was built with the cuda tag.
const Built = true

// New opens a CUDA device and returns a Backend on it.
func New(opts Options) (*Backend, error) {
	d, err := openDevice(opts)
	if err != nil {
		return nil, err
	}
	b, err := newBackend(d, opts)
	if err != nil {
		d.close()
		return nil, err
	}
	return b, nil
}

type cuError struct {
	what string
	code C.CUresult
}

func (e *cuError) Error() string {
	return fmt.Sprintf("cuda: %s: %s (CUresult %d)", e.what, C.GoString(C.embrec_error(e.code)), int(e.code))
}

func check(what string, r C.CUresult) error {
	if r == C.CUDA_SUCCESS {
		return nil
	}
	return &cuError{what, r}
}

type cuDevice struct {
	work  chan func()
	ctx   cu.CUContext
	base  cu.DevicePtr
	size  int64
	name  string
	mem   int64
	cc    int
	sms   int
	fns   map[string]uint64
	debug bool
	// skipped holds the load error of each architecture-specific module
	// (sm_90a) the driver refused: its kernels are absent, the rest runs.
	skipped map[string]error

	mu    sync.Mutex
	err   error // first error of an asynchronous batch (CUDA errors are sticky)
	names map[uint64]string
}

// openDevice starts the goroutine that owns the context and initialises
// the device on it.
func openDevice(opts Options) (*cuDevice, error) {
	d := &cuDevice{work: make(chan func(), 8), fns: map[string]uint64{}, names: map[uint64]string{}, debug: opts.Debug,
		skipped: map[string]error{}}
	initErr := make(chan error)
	go func() {
		runtime.LockOSThread() // for the life of the device: the context is current here only
		initErr <- d.init(opts)
		for f := range d.work {
			f()
		}
	}()
	if err := <-initErr; err != nil {
		close(d.work)
		return nil, err
	}
	return d, nil
}

func (d *cuDevice) init(opts Options) error {
	dev, err := cu.GetDevice(opts.Device)
	if err != nil {
		return fmt.Errorf("cuda: device %d: %w", opts.Device, err)
	}
	if d.name, err = dev.Name(); err != nil {
		return fmt.Errorf("cuda: device %d name: %w", opts.Device, err)
	}
	if d.mem, err = dev.TotalMem(); err != nil {
		return fmt.Errorf("cuda: device %d memory: %w", opts.Device, err)
	}
	major, minor, err := dev.ComputeCapability()
	if err != nil {
		return fmt.Errorf("cuda: device %d compute capability: %w", opts.Device, err)
	}
	d.cc = 10*major + minor
	if d.sms, err = dev.Attribute(cu.MultiprocessorCount); err != nil {
		return fmt.Errorf("cuda: device %d multiprocessor count: %w", opts.Device, err)
	}
	if d.ctx, err = dev.MakeContext(cu.SchedAuto); err != nil {
		return fmt.Errorf("cuda: device %d context: %w", opts.Device, err)
	}
	if err = cu.SetCurrentContext(d.ctx); err != nil {
		return fmt.Errorf("cuda: set context: %w", err)
	}
	free, _, err := cu.MemInfo()
	if err != nil {
		return fmt.Errorf("cuda: memory info: %w", err)
	}
	d.size = opts.ArenaBytes
	if d.size <= 0 {
		d.size = free/10*9 - 512<<20
	}
	if d.base, err = cu.MemAlloc(d.size); err != nil {
		return fmt.Errorf("cuda: arena of %d bytes (%d free): %w", d.size, free, err)
	}
	log := make([]byte, 16<<10)
	smem := dynamicSmem()
	for _, mod := range kernels.Modules() {
		if !kernels.Runs(mod, d.cc) {
			continue // architecture-specific PTX (sm_90a) for another GPU
		}
		src, err := kernels.PTX(mod)
		if err != nil {
			return err
		}
		cs := C.CString(src)
		var m C.CUmodule
		r := C.embrec_load(&m, cs, (*C.char)(unsafe.Pointer(&log[0])), C.uint(len(log)))
		C.free(unsafe.Pointer(cs))
		if err := check("load PTX module "+mod, r); err != nil {
			err = fmt.Errorf("%w\n%s", err, C.GoString((*C.char)(unsafe.Pointer(&log[0]))))
			if kernels.ArchSpecific(mod) {
				d.skipped[mod] = err // an optional fast path: run without it
				continue
			}
			return err
		}
		for _, k := range kernels.Table {
			if k.Module != mod {
				continue
			}
			cn := C.CString(k.Name)
			var fn C.uint64_t
			r := C.embrec_function(&fn, m, cn)
			C.free(unsafe.Pointer(cn))
			if err := check("kernel "+k.Name, r); err != nil {
				return err
			}
			if n := smem[k.Name]; n > 0 {
				if err := check(fmt.Sprintf("kernel %s: allow %d bytes of dynamic shared memory", k.Name, n),
					C.embrec_smem(fn, C.int(n))); err != nil {
					return err
				}
			}
			d.fns[k.Name] = uint64(fn)
			d.names[uint64(fn)] = k.Name
		}
	}
	return nil
}

// do runs f on the owning goroutine and waits for it.
func (d *cuDevice) do(f func()) {
	done := make(chan struct{})
	d.work <- func() { f(); close(done) }
	<-done
}

func (d *cuDevice) describe() (string, int64, int, int) { return d.name, d.mem, d.cc, d.sms }
func (d *cuDevice) arena() (uint64, int64)              { return uint64(d.base), d.size }

func (d *cuDevice) function(name string) (uint64, error) {
	fn, ok := d.fns[name]
	if !ok {
		if err := d.skipped[kernels.ModuleOf(name)]; err != nil {
			return 0, fmt.Errorf("%w: %w", errModuleSkipped, err)
		}
		return 0, fmt.Errorf("not loaded")
	}
	return fn, nil
}

func (d *cuDevice) submit(cmds []uint64, done func()) {
	d.work <- func() {
		var at C.size_t
		r := C.embrec_run((*C.uint64_t)(unsafe.Pointer(&cmds[0])), C.size_t(len(cmds)), nil, boolC(d.debug), &at)
		if err := check("batch", r); err != nil {
			what := fmt.Sprintf("command %d", int(at))
			if cmds[at] == opLaunch {
				what = "kernel " + d.names[cmds[at+1]]
			}
			d.mu.Lock()
			if d.err == nil {
				d.err = fmt.Errorf("%s: %w", what, err)
			}
			d.mu.Unlock()
		}
		done()
	}
}

func boolC(v bool) C.int {
	if v {
		return 1
	}
	return 0
}

func (d *cuDevice) wait() error {
	var err error
	d.do(func() { err = cu.Synchronize() })
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.err != nil {
		return d.err
	}
	if err != nil {
		d.err = fmt.Errorf("cuda: synchronize: %w", err)
	}
	return d.err
}

func (d *cuDevice) download(dst []byte, src uint64) error {
	var err error
	d.do(func() { err = cu.MemcpyDtoH(unsafe.Pointer(&dst[0]), cu.DevicePtr(src), int64(len(dst))) })
	if err != nil {
		return fmt.Errorf("cuda: copy to host: %w", err)
	}
	return d.wait()
}

func (d *cuDevice) upload(dst uint64, src []byte) error {
	var err error
	d.do(func() { err = cu.MemcpyHtoD(cu.DevicePtr(dst), unsafe.Pointer(&src[0]), int64(len(src))) })
	if err != nil {
		return fmt.Errorf("cuda: copy to device: %w", err)
	}
	return nil
}

func (d *cuDevice) tensorMap(s tmaSpec) (tmaMap, error) {
	var m tmaMap
	dims := [3]C.uint64_t{C.uint64_t(s.dim0), C.uint64_t(s.dim1), C.uint64_t(s.dim2)}
	strides := [2]C.uint64_t{C.uint64_t(s.stride1), C.uint64_t(s.stride2)}
	var r C.CUresult
	d.do(func() {
		r = C.embrec_tensor_map((*C.uint64_t)(unsafe.Pointer(&m[0])), C.uint64_t(s.addr), &dims[0], &strides[0],
			C.uint(s.box0), C.uint(s.box1))
	})
	return m, check("cuTensorMapEncodeTiled", r)
}

func (d *cuDevice) newEvent() (uint64, error) {
	var ev C.uint64_t
	var err error
	d.do(func() { err = check("create event", C.embrec_event(&ev)) })
	return uint64(ev), err
}

func (d *cuDevice) elapsed(start, end uint64) (float64, error) {
	var ms C.float
	var err error
	d.do(func() { err = check("event time", C.embrec_elapsed(&ms, C.uint64_t(start), C.uint64_t(end))) })
	return float64(ms), err
}

func (d *cuDevice) close() error {
	var err error
	d.do(func() {
		if d.base != 0 {
			err = cu.MemFree(d.base)
		}
		if derr := d.ctx.Destroy(); err == nil {
			err = derr
		}
	})
	close(d.work)
	return err
}

// MemInfo returns the device's free and total memory (the arena counts as
// used).
func (b *Backend) MemInfo() (free, total int64, err error) {
	d := b.dev.(*cuDevice)
	d.do(func() { free, total, err = cu.MemInfo() })
	return free, total, err
}
