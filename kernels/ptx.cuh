// The inline PTX that the mma.sync kernels use, each instruction behind one
// named device function: cp.async copies and their groups, ldmatrix,
// mma.sync m16n8k16 (bf16 in, float32 accumulate), the dynamic shared
// memory size, and the declaration of dynamic shared memory.
//
// Keeping every instruction behind a name lets kernels/emu (the CPU
// emulator of the tests) substitute its own definitions with the PTX ISA's
// semantics: when EMBREC_EMU is defined, kernels/emu/emu.h provides these
// functions and this file declares nothing.

#pragma once

#ifndef EMBREC_EMU

// EXTERN_SHARED(type, name) declares the dynamic shared memory name, an
// array of type aligned to 16 bytes.
#define EXTERN_SHARED(type, name) extern __shared__ __align__(16) type name[]

__device__ __forceinline__ unsigned smem_u32(const void* p) { return (unsigned)__cvta_generic_to_shared(p); }

// cp_async16 copies 16 bytes from global src to shared dst, of which the
// first src_bytes (0 or 16) are read and the rest zero-filled.
__device__ __forceinline__ void cp_async16(void* dst, const void* src, int src_bytes) {
	asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(smem_u32(dst)), "l"(src), "r"(src_bytes));
}

// cp_async_commit closes the calling thread's current group of copies.
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }

// cp_async_wait waits until at most N of the calling thread's committed
// groups are still in flight.
template <int N>
__device__ __forceinline__ void cp_async_wait() {
	asm volatile("cp.async.wait_group %0;\n" ::"n"(N));
}

// cp_async_wait_all waits for all of the calling thread's copies.
__device__ __forceinline__ void cp_async_wait_all() { asm volatile("cp.async.wait_all;\n" ::); }

// ldsm_x4 loads four 8 x 8 b16 matrices: lanes 8i .. 8i+7 give the row
// addresses of matrix i, and r[i] of lane l holds row l/4, columns 2(l%4)
// and 2(l%4)+1 of matrix i.
__device__ __forceinline__ void ldsm_x4(unsigned* r, const unsigned short* p) {
	asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
	             : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
	             : "r"(smem_u32(p)));
}

// ldsm_x4_trans is ldsm_x4 of the transposed matrices: r[i] of lane l holds
// rows 2(l%4) and 2(l%4)+1 of column l/4 of matrix i.
__device__ __forceinline__ void ldsm_x4_trans(unsigned* r, const unsigned short* p) {
	asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
	             : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
	             : "r"(smem_u32(p)));
}

// mma_bf16 is c (16 x 8, float32) += a (16 x 16, bf16) b (16 x 8, bf16) in
// the fragment layouts of mma.sync.m16n8k16.row.col.
__device__ __forceinline__ void mma_bf16(float* c, const unsigned* a, const unsigned* b) {
	asm volatile(
	    "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
	    "{%0,%1,%2,%3};\n"
	    : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
	    : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

// dynamic_smem_size returns the dynamic shared memory of the launch, bytes.
__device__ __forceinline__ unsigned dynamic_smem_size() {
	unsigned dyn;
	asm("mov.u32 %0, %%dynamic_smem_size;" : "=r"(dyn));
	return dyn;
}

#endif
