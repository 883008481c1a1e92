// The dropout mask shared by the dropout kernel (optim.cu) and the
// products that apply it on the fly (gemm_f32.cu): tensor.DropoutUniform.

#pragma once

// dropout_uniform is tensor.DropoutUniform bit for bit: SplitMix64's
// finaliser over seed + (i+1) * golden ratio (64-bit wrap-around), top 24
// bits as a float in [0, 1). The conversion of a 24-bit integer to float and
// the multiplication by 2^-24 are exact.
__device__ __forceinline__ float dropout_uniform(unsigned long long seed, long long i) {
	unsigned long long z = seed + (unsigned long long)(i + 1) * 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return (float)(unsigned int)(z >> 40) * (1.0f / 16777216.0f);
}

// dropout_mask is element i's mask value: 0 (dropped) or keep = 1/(1-p).
__device__ __forceinline__ float dropout_mask(unsigned long long seed, long long i, float p, float keep) {
	return dropout_uniform(seed, i) < p ? 0.f : keep;
}
