// main.cc: the emulator process of the cuda package's tests. It owns an
// arena of host memory that stands for device memory (its address is the
// device address the Go side computes with), runs the command streams the
// Go Backend records (cuda/device.go: launches, uploads, memsets, copies,
// events) with the kernels of kernels/*.cu compiled for the CPU (emu.h),
// and answers over stdin/stdout.
//
// Protocol: every word is a little-endian uint64; each request gets one
// reply.
//   1 size                init: map the arena          -> base
//   2 n name (n bytes, padded to whole words)
//                         kernel handle by name        -> handle, or ~0 if not built
//   3 n words...          run a command stream         -> 0
//   4 src n               download n bytes             -> n bytes (padded to whole words)
//   5 dst n data...       upload n bytes               -> 0
//   6                     ldmatrix bank use since the last request, per kernel
//                                                      -> count, then each: n name (padded) phases wavefronts
// A kernel fault (trap, deadlock, a segmentation fault, an address outside
// the arena in a copy) ends the process with a message on stderr naming
// the kernel, block and thread; the Go side reports it.

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "emu.h"

uint3 threadIdx, blockIdx, blockDim, gridDim;

namespace emu {

// --- kernel registry -------------------------------------------------------

struct Kernel {
	std::string name;
	void* fn;
	int nparams;
	Invoker inv;
};

static std::vector<Kernel>& registry() {
	static std::vector<Kernel> r;
	return r;
}

Reg::Reg(const char* name, void* fn, int nparams, Invoker inv) { registry().push_back({name, fn, nparams, inv}); }

// --- fibers ----------------------------------------------------------------

enum State { RUN, BAR, WARP, WGROUP, DONE };

struct Pending {
	unsigned char* dst;
	unsigned char data[16];
};

// Context switches: a few instructions on x86-64 (callee-saved registers
// and the stack pointer; glibc's swapcontext also makes a sigprocmask
// system call per switch, which dominated the run time), ucontext
// elsewhere.
#if defined(__x86_64__)
extern "C" void emu_switch(void** save, void* to);
asm(R"(
	.text
	.globl emu_switch
	.type emu_switch, @function
emu_switch:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
	.size emu_switch, .-emu_switch
)");
struct Context {
	void* sp;
};
#else
struct Context {
	ucontext_t uc;
};
#endif

struct WgOp;

// WgPending: one wgmma.mma_async of a thread, in flight: its operation and
// the thread's accumulators.
struct WgPending {
	std::shared_ptr<WgOp> op;
	float* d;
};

// WgAcc: accumulators of a thread with wgmma operations in flight, and
// their contents when last seen (any other change is the thread's).
struct WgAcc {
	float* d;
	std::vector<float> seen;
};

struct Fiber {
	Context ctx;
	uint3 tid;
	int lin; // linear thread index in the block
	State st;
	std::vector<std::vector<Pending>> groups; // committed cp.async groups, oldest first
	std::vector<Pending> open;                // copies not yet committed
	std::vector<unsigned> dirty;              // shared units it wrote through the generic proxy, unfenced
	bool wgFenced;                            // a wgmma.fence since its last wgmma.wait_group
	std::vector<std::vector<WgPending>> wgGroups; // committed wgmma groups, oldest first
	std::vector<WgPending> wgOpen;                // not yet committed
	std::vector<WgAcc> wgAcc;
	const void* wgIn; // its operand of the warpgroup collective it waits at
	bool spun;        // it last yielded in an mbarrier wait whose phase had not completed
	std::vector<const void*> maps;                  // tensor maps it acquired (fence.proxy.tensormap)
	std::vector<std::pair<unsigned, unsigned>> acq; // per mbarrier: the latest phase it waited for
};

struct Warp {
	int live, arrived, op, size;
	Collective fn;
	unsigned char in[32 * 64];
	void* out[32];
};

struct Warpgroup {
	int live, arrived, op;
};

static const size_t kStack = 256 << 10;
static const size_t kDynMax = 232448; // the largest opt-in shared memory of sm_90, bytes
// kSharedBase: the shared address of the first byte of dynamic shared
// memory; 16-byte but not 1024-byte aligned, so that a kernel must align
// its swizzled tiles itself (as on a GPU, where nothing promises more).
static const unsigned kSharedBase = 0x290;
static std::vector<Fiber> fibers;
static std::vector<Warp> warps;
static std::vector<Warpgroup> wgroups;
static std::vector<char*> stacks;
static Fiber* cur;
static Context sched;
static int live, barArrived;
static const Kernel* running;
static const uint64_t* params;
static unsigned dynBytes;
// The order in which a pass runs a block's fibers: forward (thread 0
// first), reverse, or alternating per block (the default: even blocks
// forward, odd blocks reverse), so that a kernel whose results depend on
// the order its threads happen to run in (a read of another thread's
// shared-memory write with no barrier between) meets both orders in one
// launch. EMBREC_EMU_ORDER=forward|reverse|alternate.
enum Order { FORWARD, REVERSE, ALTERNATE };
static Order order = ALTERNATE;
alignas(1024) static unsigned char dynSmem[kDynMax];
// writer[u]: 1 + the thread whose generic-proxy write of the 2-byte unit u
// of dynamic shared memory (st.shared, cp.async) it has not yet fenced with
// fence.proxy.async; 0 when the async proxy (wgmma) may read it.
static uint16_t writer[kDynMax / 2];

// Happens-before of shared-memory writes and wgmma reads, in blocks that
// use mbarriers (from the first mbarrier.init on; before it, and in other
// blocks, __syncthreads orders everything and nothing is tracked). Each
// thread t has a vector clock vc[t*nt .. t*nt+nt); a release (mbarrier
// arrive, __syncthreads) publishes it and then advances its own entry; an
// acquire (a completed mbarrier wait, __syncthreads) joins what was
// published. A write (st.shared, a cp.async landing) records its thread
// and that thread's own clock entry (hbWriter, hbEpoch per 2-byte unit);
// a wgmma may read it only if its warpgroup's joined clock has reached
// that entry: some release of the writer after the write was acquired.
static bool hb;
static int hbThreads;
static std::vector<uint32_t> vc;
static uint16_t hbWriter[kDynMax / 2];
static uint32_t hbEpoch[kDynMax / 2];

// TMA copies: tmaBar[u] is the mbarrier (shared address) that the copy
// which last wrote unit u completes its bytes on, 0 if a thread wrote it
// last; tmaPhase[u] the phase of that barrier the copy completed in. A
// wgmma may read the unit once a thread of its warpgroup has waited for
// that phase (wgAcq: the warpgroup's latest waited phase per barrier,
// gathered when the wgmma issues).
static unsigned tmaBar[kDynMax / 2];
static uint32_t tmaPhase[kDynMax / 2];
static std::vector<std::pair<unsigned, unsigned>> wgAcq;

static uint32_t* clockOf(int t) { return &vc[(size_t)t * hbThreads]; }

static void join(uint32_t* into, const uint32_t* from) {
	for (int i = 0; i < hbThreads; i++) into[i] = into[i] > from[i] ? into[i] : from[i];
}

static void where(char* buf, size_t n) {
	snprintf(buf, n, "kernel %s, block (%u, %u, %u) of (%u, %u, %u), thread (%u, %u, %u)",
	         running ? running->name.c_str() : "-", blockIdx.x, blockIdx.y, blockIdx.z, gridDim.x, gridDim.y,
	         gridDim.z, threadIdx.x, threadIdx.y, threadIdx.z);
}

void trap(const char* why) {
	char buf[256];
	where(buf, sizeof buf);
	fprintf(stderr, "emu: %s: %s\n", buf, why);
	_exit(3);
}

static void switchTo(Context* save, Context* to) {
#if defined(__x86_64__)
	emu_switch(&save->sp, to->sp);
#else
	swapcontext(&save->uc, &to->uc);
#endif
}

static void yield() { switchTo(&cur->ctx, &sched); }

// generic_write records that the running thread wrote [p, p+n) of
// dynamic shared memory through the generic proxy (nothing for other memory).
static void generic_write(const unsigned char* p, size_t n) {
	if (p < dynSmem || p >= dynSmem + kDynMax) return;
	for (size_t u = (p - dynSmem) / 2; u < (p + n - dynSmem + 1) / 2; u++) {
		writer[u] = (uint16_t)(cur->lin + 1);
		tmaBar[u] = 0;
		cur->dirty.push_back((unsigned)u);
		if (hb) {
			hbWriter[u] = (uint16_t)(cur->lin + 1);
			hbEpoch[u] = clockOf(cur->lin)[cur->lin];
		}
	}
}

static void apply(const std::vector<Pending>& g) {
	for (const Pending& p : g) {
		memcpy(p.dst, p.data, 16);
		generic_write(p.dst, 16);
	}
}

static void releaseBarrier() {
	if (barArrived > 0 && barArrived == live) {
		if (hb) { // every thread releases and acquires
			static std::vector<uint32_t> all; // reused: barriers are frequent
			all.assign(hbThreads, 0);
			for (int t = 0; t < hbThreads; t++) join(all.data(), clockOf(t));
			for (int t = 0; t < hbThreads; t++) {
				memcpy(clockOf(t), all.data(), hbThreads * sizeof(uint32_t));
				clockOf(t)[t]++;
			}
		}
		for (Fiber& f : fibers)
			if (f.st == BAR) f.st = RUN;
		barArrived = 0;
	}
}

static void releaseWarp(int w) {
	Warp& wp = warps[w];
	if (wp.arrived == 0 || wp.arrived != wp.live) return;
	if (wp.live != 32) trap("warp collective with fewer than 32 live lanes");
	for (int l = 0; l < 32; l++) wp.fn(wp.in, wp.size, wp.out[l], l); // in lane order
	for (int l = 0; l < 32; l++) {
		Fiber& f = fibers[w * 32 + l];
		if (f.st == WARP) f.st = RUN;
	}
	wp.arrived = 0;
}

static void releaseWarpgroup(int g);

static void entry() {
	running->inv(running->fn, params);
	Fiber* f = cur;
	for (auto& g : f->groups) apply(g); // copies still in flight complete anyway
	apply(f->open);
	f->groups.clear();
	f->open.clear();
	if (!f->wgOpen.empty() || !f->wgGroups.empty()) trap("thread exits with wgmma.mma_async not waited for");
	f->st = DONE;
	live--;
	warps[f->lin / 32].live--;
	releaseBarrier();
	releaseWarp(f->lin / 32);
	if (!wgroups.empty()) {
		wgroups[f->lin / 128].live--;
		releaseWarpgroup(f->lin / 128);
	}
}

// fiberMain is where a fiber starts: it runs the kernel and switches back
// for good (the scheduler never resumes a DONE fiber).
static void fiberMain() {
	entry();
	switchTo(&cur->ctx, &sched);
	trap("a finished fiber was resumed");
}

// initFiber makes f start at fiberMain on stack [stack, stack+kStack).
static void initFiber(Fiber& f, char* stack) {
#if defined(__x86_64__)
	// emu_switch pops six registers and returns: the return address at a
	// 16-byte boundary, so that fiberMain starts with the stack aligned as
	// after a call.
	uintptr_t top = ((uintptr_t)stack + kStack) & ~(uintptr_t)15;
	void** sp = (void**)(top - 16);
	sp[0] = (void*)fiberMain;
	sp -= 6;
	for (int i = 0; i < 6; i++) sp[i] = nullptr;
	f.ctx.sp = sp;
#else
	getcontext(&f.ctx.uc);
	f.ctx.uc.uc_stack.ss_sp = stack;
	f.ctx.uc.uc_stack.ss_size = kStack;
	f.ctx.uc.uc_link = nullptr;
	makecontext(&f.ctx.uc, fiberMain, 0);
#endif
}

void syncthreads() {
	cur->st = BAR;
	barArrived++;
	releaseBarrier();
	yield();
}

void warp_collective(int op, const void* in, int size, void* out, Collective fn) {
	if (size > 64) trap("warp collective operand over 64 bytes");
	int w = cur->lin / 32, lane = cur->lin % 32;
	Warp& wp = warps[w];
	if (wp.arrived > 0 && wp.op != op) trap("lanes of one warp at different collective operations");
	wp.op = op;
	wp.size = size;
	wp.fn = fn;
	memcpy(wp.in + lane * size, in, size);
	wp.out[lane] = out;
	wp.arrived++;
	cur->st = WARP;
	releaseWarp(w);
	yield();
}

unsigned dynamic_smem_bytes() { return dynBytes; }
unsigned char* dynamic_smem() { return dynSmem; }

unsigned shared_addr(const void* p) {
	const unsigned char* c = (const unsigned char*)p;
	if (c < dynSmem || c >= dynSmem + kDynMax)
		trap("shared address of memory other than dynamic shared memory (not emulated)");
	return kSharedBase + (unsigned)(c - dynSmem);
}

unsigned char* shared_ptr(unsigned addr, int bytes) {
	if (addr < kSharedBase || addr - kSharedBase + bytes > dynBytes) {
		char why[160];
		snprintf(why, sizeof why, "shared address %#x (+%d bytes) outside the launch's dynamic shared memory [%#x, %#x)",
		         addr, bytes, kSharedBase, kSharedBase + dynBytes);
		trap(why);
	}
	return dynSmem + (addr - kSharedBase);
}

void st_shared(unsigned addr, const void* v, int bytes) {
	if (addr % bytes != 0) trap("st.shared to an address not aligned to its size");
	unsigned char* p = shared_ptr(addr, bytes);
	memcpy(p, v, bytes);
	generic_write(p, bytes);
}

void cp_async(void* dst, const void* src, int src_bytes) {
	if (src_bytes < 0 || src_bytes > 16) trap("cp.async source size outside [0, 16]");
	if ((uintptr_t)dst % 16 != 0 || (src_bytes > 0 && (uintptr_t)src % 16 != 0))
		trap("cp.async of 16 bytes from or to an address that is not 16-byte aligned");
	Pending p;
	p.dst = (unsigned char*)dst;
	memset(p.data, 0, 16);
	memcpy(p.data, src, src_bytes);
	cur->open.push_back(p);
}

void cp_async_commit() {
	cur->groups.push_back(std::move(cur->open));
	cur->open.clear();
}

void cp_async_wait(int n) {
	auto& g = cur->groups;
	while ((int)g.size() > n) {
		apply(g.front());
		g.erase(g.begin());
	}
}

// Shared-memory bank use of ldmatrix, per kernel: each of an x4's four
// matrices is one phase, eight 16-byte rows; the 32 four-byte banks serve
// a phase in one wavefront when its distinct rows fall in distinct
// 16-byte bank groups (address bits 4-6), else in as many wavefronts as the
// most rows sharing a group. The counts depend only on addresses relative
// to each other (a common 16-byte-multiple offset permutes the groups).
struct BankUse {
	uint64_t phases, wavefronts;
};
static std::vector<std::pair<std::string, BankUse>> bankUse; // in order of first use

static void countPhase(const void* const* rows) {
	int per[8] = {};
	for (int i = 0; i < 8; i++) {
		bool seen = false;
		for (int j = 0; j < i; j++) seen |= rows[j] == rows[i];
		if (!seen) per[(uintptr_t)rows[i] >> 4 & 7]++;
	}
	int w = 1;
	for (int g = 0; g < 8; g++) w = per[g] > w ? per[g] : w;
	static size_t last; // the running kernel's entry, found at once next time
	const std::string& k = running->name;
	if (last >= bankUse.size() || bankUse[last].first != k) {
		for (last = 0; last < bankUse.size() && bankUse[last].first != k; last++) {
		}
		if (last == bankUse.size()) bankUse.push_back({k, {0, 0}});
	}
	bankUse[last].second.phases++;
	bankUse[last].second.wavefronts += w;
}

// ldmatrix .x4: lanes 8j .. 8j+7 address the rows of matrix j.
void ldmatrix_x4(unsigned* r, const unsigned short* p, bool trans) {
	if ((uintptr_t)p % 16 != 0) trap("ldmatrix row address not 16-byte aligned");
	struct In {
		const unsigned short* p;
		int trans;
	} in{p, trans};
	warp_collective(2, &in, sizeof(In), r, [](const void* all, int, void* out, int L) {
		const In* a = (const In*)all;
		unsigned* o = (unsigned*)out;
		if (L == 0)
			for (int j = 0; j < 4; j++) {
				const void* rows[8];
				for (int i = 0; i < 8; i++) rows[i] = a[8 * j + i].p;
				countPhase(rows);
			}
		for (int j = 0; j < 4; j++) {
			unsigned lo, hi;
			if (a[L].trans) {
				lo = a[8 * j + 2 * (L % 4)].p[L / 4];
				hi = a[8 * j + 2 * (L % 4) + 1].p[L / 4];
			} else {
				const unsigned short* row = a[8 * j + L / 4].p;
				lo = row[2 * (L % 4)];
				hi = row[2 * (L % 4) + 1];
			}
			o[j] = lo | hi << 16;
		}
	});
}

static float bf16lo(unsigned r, int half) {
	__nv_bfloat16 h{(unsigned short)(half ? r >> 16 : r & 0xffff)};
	return __bfloat162float(h);
}

// mma.sync.m16n8k16.row.col bf16 -> f32. Lane l (group g = l/4, t = l%4)
// holds A(g (+8), 2t (+8) + {0,1}) in a[0..3] (row +8 in a[1], a[3]; k +8
// in a[2], a[3]), B(2t (+8) + {0,1}, g) in b[0..1], and C(g (+8), 2t +
// {0,1}) in c[0..3].
void mma_bf16_16816(float* c, const unsigned* a, const unsigned* b) {
	struct In {
		unsigned a[4], b[2];
		float c[4];
	} in;
	memcpy(in.a, a, 16);
	memcpy(in.b, b, 8);
	memcpy(in.c, c, 16);
	warp_collective(3, &in, sizeof(In), c, [](const void* all, int, void* out, int L) {
		const In* x = (const In*)all;
		static double S[16][8]; // the products, computed once per mma (at lane 0: lanes run in order)
		if (L == 0) {
			double A[16][16], Bt[8][16]; // bf16 values, exact in double
			for (int l = 0; l < 32; l++) {
				int g = l / 4, t = l % 4;
				for (int h = 0; h < 2; h++) {
					A[g][2 * t + h] = bf16lo(x[l].a[0], h);
					A[g + 8][2 * t + h] = bf16lo(x[l].a[1], h);
					A[g][2 * t + 8 + h] = bf16lo(x[l].a[2], h);
					A[g + 8][2 * t + 8 + h] = bf16lo(x[l].a[3], h);
					Bt[g][2 * t + h] = bf16lo(x[l].b[0], h);
					Bt[g][2 * t + 8 + h] = bf16lo(x[l].b[1], h);
				}
			}
			for (int r = 0; r < 16; r++)
				for (int n = 0; n < 8; n++) {
					double s = 0; // each bf16 product is exact in float
					for (int k = 0; k < 16; k++) s += A[r][k] * Bt[n][k];
					S[r][n] = s;
				}
		}
		float* d = (float*)out;
		int g = L / 4, t = L % 4;
		for (int e = 0; e < 4; e++) d[e] = (float)(x[L].c[e] + S[g + 8 * (e >> 1)][2 * t + (e & 1)]);
	});
}

// --- wgmma (sm_90a) -----------------------------------------------------------

void fence_proxy_async() {
	for (unsigned u : cur->dirty)
		if (writer[u] == cur->lin + 1) writer[u] = 0;
	cur->dirty.clear();
}

// A warpgroup collective: the 128 threads of warps 4g .. 4g+3 arrive at the
// same operation op, each with its operand in; when the last arrives,
// complete(g) runs once for all of them.
typedef void (*WgComplete)(int g);
static WgComplete wgComplete[5];

static void releaseWarpgroup(int g) {
	Warpgroup& w = wgroups[g];
	if (w.arrived == 0 || w.arrived != w.live) return;
	if (w.live != 128) trap("warpgroup collective (wgmma) with fewer than 128 live threads");
	wgComplete[w.op](g);
	for (int i = 0; i < 128; i++) {
		Fiber& f = fibers[g * 128 + i];
		if (f.st == WGROUP) f.st = RUN;
	}
	w.arrived = 0;
}

static void warpgroup_collective(int op, const void* in) {
	if (wgroups.empty()) trap("wgmma in a block whose size is not a multiple of 128 threads");
	int g = cur->lin / 128;
	Warpgroup& w = wgroups[g];
	if (w.arrived > 0 && w.op != op) trap("threads of one warpgroup at different wgmma operations");
	w.op = op;
	w.arrived++;
	cur->wgIn = in;
	cur->st = WGROUP;
	releaseWarpgroup(g);
	yield();
}

// WgOp: one wgmma.mma_async of a warpgroup: its operands as read at issue
// (the raw bf16 bits, to find them overwritten before it retired) and the
// products, S[row][col] = sum over k of A[row][k] B[k][col], in double.
struct WgOp {
	int n;
	bool ta, tb;
	uint64_t da, db;
	std::vector<uint16_t> a, b; // A (64 x 16) and B (16 x n) row-major
	std::vector<double> s;      // (64 x n)
};

struct WgMmaIn {
	int n, ta, tb;
	uint64_t da, db;
	float* d;
};

// wgAddr is the shared address of element (r, k) of an operand with r
// along M (or N) and k along K, rows long along M/N, in the canonical
// 128-byte-swizzle layouts of the matrix descriptor desc:
//   K-major ((8,m),(8,2)) : ((128 B, SBO), (2 B, 16 B)): row r at
//     (r/8)*SBO + (r%8)*128, k contiguous (LBO unused for one k16 step);
//   MN-major ((8,8,m),(8,2)) : ((2 B, 16 B, LBO), (128 B, SBO)): 64
//     elements along M/N contiguous, the next 64 LBO bytes on; k-row k at
//     (k%8)*128 + (k/8)*SBO;
// then the swizzle: bits 4-6 of the address XOR bits 7-9.
static unsigned wgAddr(uint64_t desc, bool mnMajor, int r, int k) {
	unsigned start = (unsigned)(desc & 0x3fff) << 4, lbo = (unsigned)(desc >> 16 & 0x3fff) << 4,
	         sbo = (unsigned)(desc >> 32 & 0x3fff) << 4;
	unsigned off = mnMajor ? (r % 64) * 2 + (r / 64) * lbo + (k % 8) * 128 + (k / 8) * sbo
	                       : (r / 8) * sbo + (r % 8) * 128 + k * 2;
	unsigned a = start + off;
	return a ^ ((a >> 7 & 7) << 4);
}

static void wgCheckDesc(uint64_t desc, const char* which) {
	char why[200];
	const char* bad = nullptr;
	if (desc >> 62 != 1) bad = "a swizzle mode other than 128-byte (not emulated)";
	else if (desc >> 49 & 7) bad = "a matrix base offset (not emulated)";
	else if (desc & 0x3ff1c000c000c000ull) bad = "reserved bits set";
	else if ((desc & 0x3fff) << 4 >> 7 & 7)
		bad = "a start address not aligned to the 1024-byte swizzle pattern, with base offset 0";
	if (bad) {
		snprintf(why, sizeof why, "wgmma.mma_async: descriptor of %s %#llx: %s", which, (unsigned long long)desc, bad);
		trap(why);
	}
}

// wgRead reads the operand element at addr. issuer is the issuing
// warpgroup's joined clock (empty outside blocks that keep clocks) when
// wgmma issues the read: the write must be fenced for the async proxy and
// ordered before the read. It is null when retirement reads it again to
// compare (the operation already read it).
static uint16_t wgRead(unsigned addr, const std::vector<uint32_t>* issuer) {
	if (addr % 2) trap("wgmma operand element at an odd shared address");
	unsigned char* p = shared_ptr(addr, 2);
	uint16_t w = writer[(p - dynSmem) / 2];
	if (issuer && w != 0) {
		char why[200];
		snprintf(why, sizeof why,
		         "wgmma.mma_async reads shared address %#x, written by thread %d through the generic proxy "
		         "with no fence.proxy.async since",
		         addr, w - 1);
		trap(why);
	}
	size_t u = (p - dynSmem) / 2;
	if (issuer && tmaBar[u] != 0) {
		bool waited = false;
		for (auto& a : wgAcq) waited |= a.first == tmaBar[u] && a.second >= tmaPhase[u];
		if (!waited) {
			char why[240];
			snprintf(why, sizeof why,
			         "wgmma.mma_async reads shared address %#x, written by a TMA copy that completes phase %u of the "
			         "mbarrier at %#x, which no thread of this warpgroup has waited for",
			         addr, tmaPhase[u], tmaBar[u]);
			trap(why);
		}
	}
	if (issuer && !issuer->empty() && hbWriter[u] != 0 && (*issuer)[hbWriter[u] - 1] < hbEpoch[u]) {
		char why[240];
		snprintf(why, sizeof why,
		         "wgmma.mma_async reads shared address %#x, written by thread %d with no release of that thread "
		         "(mbarrier.arrive, __syncthreads) after the write that this warpgroup acquired",
		         addr, hbWriter[u] - 1);
		trap(why);
	}
	uint16_t v;
	memcpy(&v, p, 2);
	return v;
}

// wgGather reads op's operands from shared memory into a and b (wgRead).
static void wgGather(const WgOp& op, std::vector<uint16_t>& a, std::vector<uint16_t>& b,
                     const std::vector<uint32_t>* issuer) {
	a.resize(64 * 16);
	b.resize(16 * op.n);
	for (int r = 0; r < 64; r++)
		for (int k = 0; k < 16; k++) a[r * 16 + k] = wgRead(wgAddr(op.da, op.ta, r, k), issuer);
	for (int k = 0; k < 16; k++)
		for (int c = 0; c < op.n; c++) b[k * op.n + c] = wgRead(wgAddr(op.db, op.tb, c, k), issuer);
}

static float bf16f(uint16_t h) { return __bfloat162float(__nv_bfloat16{h}); }

static WgAcc* wgAccOf(Fiber& f, float* d) {
	for (WgAcc& a : f.wgAcc)
		if (a.d == d) return &a;
	return nullptr;
}

// wgAccCheck traps if thread f's accumulators d changed since it last saw them.
static void wgAccCheck(Fiber& f, const WgAcc& acc, const char* when) {
	if (memcmp(acc.d, acc.seen.data(), acc.seen.size() * sizeof(float)) != 0) {
		char why[160];
		snprintf(why, sizeof why, "thread %d changed accumulators of a wgmma.mma_async in flight (%s)", f.lin, when);
		trap(why);
	}
}

static void wgFenceDone(int g) {
	for (int i = 0; i < 128; i++) fibers[g * 128 + i].wgFenced = true;
}

static void wgCommitDone(int g) {
	for (int i = 0; i < 128; i++) {
		Fiber& f = fibers[g * 128 + i];
		f.wgGroups.push_back(std::move(f.wgOpen));
		f.wgOpen.clear();
	}
}

static void wgMmaDone(int g) {
	const WgMmaIn* in0 = (const WgMmaIn*)fibers[g * 128].wgIn;
	for (int i = 0; i < 128; i++) {
		Fiber& f = fibers[g * 128 + i];
		const WgMmaIn* in = (const WgMmaIn*)f.wgIn;
		if (in->n != in0->n || in->ta != in0->ta || in->tb != in0->tb || in->da != in0->da || in->db != in0->db)
			trap("wgmma.mma_async with different shapes or descriptors across the warpgroup");
		if (!f.wgFenced) trap("wgmma.mma_async with no wgmma.fence since the thread last waited (or began)");
	}
	if (in0->n < 8 || in0->n > 256 || in0->n % 8) trap("wgmma.mma_async: m64nNk16 with N not a multiple of 8 in [8, 256]");
	wgCheckDesc(in0->da, "A");
	wgCheckDesc(in0->db, "B");
	auto op = std::make_shared<WgOp>();
	op->n = in0->n;
	op->ta = in0->ta;
	op->tb = in0->tb;
	op->da = in0->da;
	op->db = in0->db;
	static std::vector<uint32_t> issuer; // scratch reused across operations (one thread runs them all)
	issuer.assign(hb ? hbThreads : 0, 0);
	for (int i = 0; hb && i < 128; i++) join(issuer.data(), clockOf(g * 128 + i));
	wgAcq.clear();
	for (int i = 0; i < 128; i++)
		for (auto& a : fibers[g * 128 + i].acq) {
			bool merged = false;
			for (auto& w : wgAcq)
				if (w.first == a.first) {
					w.second = w.second > a.second ? w.second : a.second;
					merged = true;
				}
			if (!merged) wgAcq.push_back(a);
		}
	wgGather(*op, op->a, op->b, &issuer);
	static std::vector<double> a, bt; // A and B^T as doubles (bf16 values are exact)
	a.resize(64 * 16);
	bt.resize(op->n * 16);
	for (int i = 0; i < 64 * 16; i++) a[i] = bf16f(op->a[i]);
	for (int k = 0; k < 16; k++)
		for (int c = 0; c < op->n; c++) bt[c * 16 + k] = bf16f(op->b[k * op->n + c]);
	op->s.assign(64 * op->n, 0.0);
	for (int r = 0; r < 64; r++)
		for (int c = 0; c < op->n; c++) {
			double sum = 0;
			for (int k = 0; k < 16; k++) sum += a[r * 16 + k] * bt[c * 16 + k];
			op->s[r * op->n + c] = sum;
		}
	for (int i = 0; i < 128; i++) {
		Fiber& f = fibers[g * 128 + i];
		float* d = ((const WgMmaIn*)f.wgIn)->d;
		if (WgAcc* acc = wgAccOf(f, d)) wgAccCheck(f, *acc, "at a later wgmma.mma_async");
		else f.wgAcc.push_back({d, std::vector<float>(d, d + op->n / 2)});
		f.wgOpen.push_back({op, d});
	}
}

// wgRetire completes thread f's oldest committed group: each operation
// checks that its operands are as it read them, then adds its products to
// the thread's fragment: accumulator i of lane l of warp w (of the
// warpgroup) is row 16w + l/4 + 8((i/2)%2), column 8(i/4) + 2(l%4) + i%2.
static void wgRetire(Fiber& f) {
	int w = f.lin % 128 / 32, l = f.lin % 32;
	for (WgPending& p : f.wgGroups.front()) {
		WgOp& op = *p.op;
		if (f.lin % 128 == 0) { // once per operation: the first thread of the warpgroup retires first
			static std::vector<uint16_t> a, b;
			wgGather(op, a, b, nullptr);
			if (a != op.a || b != op.b)
				trap("shared memory read by a wgmma.mma_async was overwritten before wgmma.wait_group retired it");
		}
		WgAcc* acc = wgAccOf(f, p.d);
		wgAccCheck(f, *acc, "at wgmma.wait_group");
		for (int i = 0; i < op.n / 2; i++) {
			int row = 16 * w + l / 4 + 8 * (i / 2 % 2), col = 8 * (i / 4) + 2 * (l % 4) + i % 2;
			p.d[i] = (float)(p.d[i] + op.s[row * op.n + col]);
		}
		acc->seen.assign(p.d, p.d + op.n / 2);
	}
	f.wgGroups.erase(f.wgGroups.begin());
}

static void wgWaitDone(int g) {
	int n = *(const int*)fibers[g * 128].wgIn;
	for (int i = 0; i < 128; i++) {
		Fiber& f = fibers[g * 128 + i];
		if (*(const int*)f.wgIn != n) trap("wgmma.wait_group with different counts across the warpgroup");
		while ((int)f.wgGroups.size() > n) wgRetire(f);
		// accumulators with nothing left in flight are the thread's again
		std::vector<WgAcc> still;
		for (WgAcc& a : f.wgAcc) {
			bool busy = false;
			for (auto& gr : f.wgGroups)
				for (auto& p : gr) busy |= p.d == a.d;
			for (auto& p : f.wgOpen) busy |= p.d == a.d;
			if (busy) still.push_back(std::move(a));
		}
		f.wgAcc = std::move(still);
		f.wgFenced = false;
	}
}

// --- mbarriers ----------------------------------------------------------------

// MBar: an mbarrier of the running block, by shared address: arrivals per
// phase, those still missing in the current phase, the phase number, and
// the current phase's transaction count (bytes expected minus bytes
// completed, which may dip below 0 when a copy completes before its
// expect_tx).
struct MBar {
	unsigned addr, count, pending, phase;
	long long tx;
	std::vector<uint32_t> arrived, done; // happens-before: the current phase's releases, the last completed phase's
};
static std::vector<MBar> mbars;
static uint64_t mbarArrivals; // every arrival, to tell waiting from a deadlock

static MBar& mbarAt(unsigned bar, const char* op) {
	for (MBar& m : mbars)
		if (m.addr == bar) return m;
	char why[120];
	snprintf(why, sizeof why, "%s on shared address %#x, which no mbarrier.init set up", op, bar);
	trap(why);
}

void mbar_init(unsigned bar, unsigned count) {
	if (bar % 8 != 0) trap("mbarrier.init at a shared address not 8-byte aligned");
	shared_ptr(bar, 8); // inside the launch's dynamic shared memory
	if (count < 1 || count >= 1u << 20) trap("mbarrier.init with a count outside [1, 2^20)");
	if (!hb) { // from here on, this block's writes and reads are ordered by its releases and acquires
		hb = true;
		hbThreads = (int)fibers.size();
		vc.assign((size_t)hbThreads * hbThreads, 0);
		memset(hbWriter, 0, sizeof hbWriter);
	}
	MBar fresh{bar, count, count, 0, 0, std::vector<uint32_t>(hbThreads, 0), std::vector<uint32_t>(hbThreads, 0)};
	for (MBar& m : mbars)
		if (m.addr == bar) {
			m = fresh;
			return;
		}
	mbars.push_back(fresh);
}

// mbarCompleteIfDone completes m's current phase when its arrivals and
// its transaction bytes are all in.
static void mbarCompleteIfDone(MBar& m) {
	if (m.pending != 0 || m.tx != 0) return;
	m.phase++;
	m.pending = m.count;
	m.done = m.arrived;
	std::fill(m.arrived.begin(), m.arrived.end(), 0);
}

static void mbarArrive(MBar& m) {
	if (m.pending == 0) trap("mbarrier.arrive on a phase that has all its arrivals (its bytes still in flight)");
	mbarArrivals++;
	join(m.arrived.data(), clockOf(cur->lin)); // release
	clockOf(cur->lin)[cur->lin]++;
	m.pending--;
	mbarCompleteIfDone(m);
}

void mbar_arrive(unsigned bar) { mbarArrive(mbarAt(bar, "mbarrier.arrive")); }

void mbar_arrive_expect_tx(unsigned bar, unsigned bytes) {
	MBar& m = mbarAt(bar, "mbarrier.arrive.expect_tx");
	if (bytes >= 1u << 20) trap("mbarrier.arrive.expect_tx of 2^20 bytes or more");
	m.tx += bytes;
	mbarArrive(m);
}

// mbar_wait: the phase of parity p has completed once the current phase's
// parity differs from p (phase 0 under way: parity 1, "the phase before",
// counts as completed).
void mbar_wait(unsigned bar, unsigned parity) {
	while ((mbarAt(bar, "mbarrier.try_wait").phase & 1) == (parity & 1)) {
		cur->spun = true;
		yield();
	}
	MBar& m = mbarAt(bar, "mbarrier.try_wait");
	join(clockOf(cur->lin), m.done.data()); // acquire
	for (auto& a : cur->acq)
		if (a.first == bar) {
			a.second = m.phase - 1; // the phase of parity parity, just completed
			return;
		}
	cur->acq.push_back({bar, m.phase - 1});
}

// --- TMA (cp.async.bulk.tensor) ---------------------------------------------

// The emulator's tensor map (cuda/tma.go writes it): words of a TmaMap.
// Dimension 0 is contiguous; the box spans one index of dimension 2.
enum : uint64_t {
	tmaMagic = 0x50414d54554d45ull, // "EMUTMAP"
	tmaWordMagic = 0,
	tmaWordAddr,    // global address of element (0, 0, 0)
	tmaWordDim0,    // elements along dimension 0
	tmaWordDim1,    // ... dimension 1
	tmaWordDim2,    // ... dimension 2
	tmaWordStride1, // bytes from one dimension-1 index to the next
	tmaWordStride2, // ... dimension-2 index
	tmaWordBox0,    // the box's elements along dimension 0
	tmaWordBox1,    // ... along dimension 1
	tmaWordElem,    // bytes per element
	tmaWordSwizzle  // swizzle span in bytes: 0 (none) or 128
};

void tma_acquire_map(const void* map) {
	for (const void* m : cur->maps)
		if (m == map) return;
	cur->maps.push_back(map);
}

void tma_load_3d(unsigned dst, const void* map, int c0, int c1, int c2, unsigned bar) {
	bool acquired = false;
	for (const void* m : cur->maps) acquired |= m == map;
	if (!acquired) trap("cp.async.bulk.tensor through a tensor map this thread has not acquired (fence.proxy.tensormap)");
	if ((uintptr_t)map % 64 != 0) trap("cp.async.bulk.tensor: tensor map not 64-byte aligned");
	const uint64_t* w = (const uint64_t*)map;
	if (w[tmaWordMagic] != tmaMagic) trap("cp.async.bulk.tensor: not a tensor map of the emulator's layout");
	uint64_t gaddr = w[tmaWordAddr], d0 = w[tmaWordDim0], d1 = w[tmaWordDim1], d2 = w[tmaWordDim2];
	uint64_t stride = w[tmaWordStride1], stride2 = w[tmaWordStride2];
	uint64_t b0 = w[tmaWordBox0], b1 = w[tmaWordBox1], es = w[tmaWordElem], sw = w[tmaWordSwizzle];
	const char* bad = nullptr;
	if (es != 1 && es != 2 && es != 4 && es != 8) bad = "an element size other than 1, 2, 4 or 8 bytes";
	else if (gaddr % 16 != 0) bad = "a global address not 16-byte aligned";
	else if (stride % 16 != 0 || stride < d0 * es) bad = "a row stride not a multiple of 16 bytes, or shorter than a row";
	else if (stride2 % 16 != 0 || (d2 > 1 && stride2 < d1 * stride)) bad = "a batch stride not a multiple of 16 bytes, or overlapping";
	else if (d0 < 1 || d1 < 1 || d2 < 1) bad = "an empty dimension";
	else if (b0 < 1 || b0 > 256 || b1 < 1 || b1 > 256) bad = "a box extent outside [1, 256]";
	else if (b0 * es % 16 != 0) bad = "a box row not a multiple of 16 bytes";
	else if (sw != 0 && sw != 128) bad = "a swizzle other than none or 128-byte (not emulated)";
	else if (sw == 128 && b0 * es > 128) bad = "a box row longer than the 128-byte swizzle span";
	else if (sw == 128 && dst % 1024 != 0) bad = "a destination not 1024-byte aligned under the 128-byte swizzle";
	else if (dst % 128 != 0) bad = "a destination not 128-byte aligned";
	if (bad) {
		char why[200];
		snprintf(why, sizeof why, "cp.async.bulk.tensor: %s", bad);
		trap(why);
	}
	unsigned bytes = (unsigned)(b0 * b1 * es);
	unsigned char* base = shared_ptr(dst, (int)bytes);
	MBar& m = mbarAt(bar, "cp.async.bulk.tensor's mbarrier");
	unsigned char chunk[16];
	for (uint64_t j = 0; j < b1; j++)
		for (uint64_t c = 0; c < b0 * es / 16; c++) {
			for (int e = 0; e < 16; e += (int)es) { // element (c0 + i, c1 + j), zero outside the tensor
				long long i = (long long)(c * 16 + e) / (long long)es, x = c0 + i, y = c1 + (long long)j;
				if (x >= 0 && x < (long long)d0 && y >= 0 && y < (long long)d1 && c2 >= 0 && c2 < (long long)d2) {
					uint64_t src = gaddr + (uint64_t)c2 * stride2 + (uint64_t)y * stride + (uint64_t)x * es;
					memcpy(chunk + e, (const void*)(uintptr_t)src, es);
				} else {
					memset(chunk + e, 0, es);
				}
			}
			unsigned a = dst + (unsigned)(j * b0 * es + c * 16);
			if (sw == 128) a ^= (a >> 7 & 7) << 4;
			unsigned char* p = base + (a - dst);
			memcpy(p, chunk, 16);
			for (size_t u = (p - dynSmem) / 2; u < (size_t)(p - dynSmem + 16) / 2; u++) {
				writer[u] = 0; // written through the async proxy: no fence.proxy.async needed
				hbWriter[u] = 0;
				tmaBar[u] = bar;
				tmaPhase[u] = m.phase;
			}
		}
	m.tx -= bytes; // complete_tx
	mbarCompleteIfDone(m);
}

enum { wgOpFence = 1, wgOpCommit, wgOpMma, wgOpWait };

void wgmma_fence() { warpgroup_collective(wgOpFence, nullptr); }
void wgmma_commit() { warpgroup_collective(wgOpCommit, nullptr); }
void wgmma_wait(int n) { warpgroup_collective(wgOpWait, &n); }

void wgmma_bf16(int n, bool transA, bool transB, float* d, uint64_t descA, uint64_t descB) {
	WgMmaIn in{n, transA, transB, descA, descB, d};
	warpgroup_collective(wgOpMma, &in);
}

static struct WgInit {
	WgInit() {
		wgComplete[wgOpFence] = wgFenceDone;
		wgComplete[wgOpCommit] = wgCommitDone;
		wgComplete[wgOpMma] = wgMmaDone;
		wgComplete[wgOpWait] = wgWaitDone;
	}
} wgInit;

// --- launches --------------------------------------------------------------

static void launch(const Kernel& k, const uint64_t* g, const uint64_t* b, uint64_t smem, const uint64_t* p) {
	int nt = (int)(b[0] * b[1] * b[2]);
	if (nt <= 0 || nt > 1024) trap("block size outside [1, 1024]");
	if (smem > kDynMax) trap("dynamic shared memory over the sm_90 limit");
	while ((int)stacks.size() < nt) stacks.push_back((char*)malloc(kStack));
	fibers.resize(nt);
	warps.resize((nt + 31) / 32);
	running = &k;
	params = p;
	dynBytes = (unsigned)smem;
	gridDim = {(unsigned)g[0], (unsigned)g[1], (unsigned)g[2]};
	blockDim = {(unsigned)b[0], (unsigned)b[1], (unsigned)b[2]};
	for (unsigned bz = 0; bz < g[2]; bz++)
		for (unsigned by = 0; by < g[1]; by++)
			for (unsigned bx = 0; bx < g[0]; bx++) {
				blockIdx = {bx, by, bz};
				bool reversed = order == REVERSE ||
				                (order == ALTERNATE && ((bz * g[1] + by) * g[0] + bx) % 2 == 1);
				memset(dynSmem, 0xff, smem);
				memset(writer, 0, (smem + 1) / 2 * sizeof writer[0]);
				memset(tmaBar, 0, (smem + 1) / 2 * sizeof tmaBar[0]);
				for (int w = 0; w < (int)warps.size(); w++) warps[w] = Warp{min(32, nt - 32 * w), 0, 0, 0, nullptr, {}, {}};
				wgroups.assign(nt % 128 == 0 ? nt / 128 : 0, Warpgroup{128, 0, 0});
				mbars.clear();
				hb = false;
				for (int i = 0; i < nt; i++) {
					Fiber& f = fibers[i];
					f.lin = i;
					f.tid = {(unsigned)(i % b[0]), (unsigned)(i / b[0] % b[1]), (unsigned)(i / (b[0] * b[1]))};
					f.st = RUN;
					f.groups.clear();
					f.open.clear();
					f.dirty.clear();
					f.wgFenced = false;
					f.wgGroups.clear();
					f.wgOpen.clear();
					f.wgAcc.clear();
					f.spun = false;
					f.maps.clear();
					f.acq.clear();
					initFiber(f, stacks[i]);
				}
				live = nt;
				barArrived = 0;
				while (live > 0) {
					bool ran = false, moved = false; // moved: a thread got past a wait, or arrived
					uint64_t arrivals = mbarArrivals;
					for (int i = 0; i < nt; i++) {
						Fiber& f = fibers[reversed ? nt - 1 - i : i];
						if (f.st != RUN) continue;
						cur = &f;
						threadIdx = f.tid;
						f.spun = false;
						switchTo(&sched, &f.ctx);
						ran = true;
						moved |= !f.spun;
					}
					if (!ran || (!moved && mbarArrivals == arrivals)) {
						int bar = 0, warp = 0, wg = 0, mb = 0;
						for (Fiber& f : fibers) {
							bar += f.st == BAR;
							warp += f.st == WARP;
							wg += f.st == WGROUP;
							mb += f.st == RUN && f.spun;
						}
						char why[200];
						snprintf(why, sizeof why,
						         "deadlock: %d threads at __syncthreads, %d at warp collectives, %d at warpgroup "
						         "collectives, %d waiting on mbarrier phases that cannot complete, %d live",
						         bar, warp, wg, mb, live);
						threadIdx = {0, 0, 0};
						trap(why);
					}
				}
			}
	running = nullptr;
}

// --- the arena and the protocol ---------------------------------------------

static unsigned char* arena;
static uint64_t arenaSize;
static const size_t kGuard = 1 << 20;

static unsigned char* span(const char* what, uint64_t addr, uint64_t n) {
	uint64_t base = (uint64_t)(uintptr_t)arena;
	if (addr < base || addr + n > base + arenaSize || addr + n < addr) {
		fprintf(stderr, "emu: %s: [%#llx, +%llu) outside the arena\n", what, (unsigned long long)addr,
		        (unsigned long long)n);
		_exit(3);
	}
	return (unsigned char*)(uintptr_t)addr;
}

static void readFull(void* p, size_t n) {
	unsigned char* c = (unsigned char*)p;
	while (n > 0) {
		ssize_t r = read(0, c, n);
		if (r <= 0) _exit(r == 0 ? 0 : 4); // the Go side closed the pipe: done
		c += r;
		n -= (size_t)r;
	}
}

static void writeFull(const void* p, size_t n) {
	const unsigned char* c = (const unsigned char*)p;
	while (n > 0) {
		ssize_t r = write(1, c, n);
		if (r <= 0) _exit(4);
		c += r;
		n -= (size_t)r;
	}
}

static uint64_t word() {
	uint64_t w;
	readFull(&w, 8);
	return w;
}

static void reply(uint64_t w) { writeFull(&w, 8); }

static void run(const std::vector<uint64_t>& c) {
	enum { opLaunch = 1, opUpload, opMemset, opCopy, opRecord };
	for (size_t i = 0; i < c.size();) {
		switch (c[i]) {
		case opLaunch: {
			uint64_t h = c[i + 1], np = c[i + 9];
			if (h >= registry().size()) trap("launch of an unknown kernel handle");
			const Kernel& k = registry()[h];
			if ((int)np != k.nparams) {
				fprintf(stderr, "emu: %s: launched with %llu parameters, takes %d\n", k.name.c_str(),
				        (unsigned long long)np, k.nparams);
				_exit(3);
			}
			launch(k, &c[i + 2], &c[i + 5], c[i + 8], &c[i + 10]);
			i += 10 + np;
			break;
		}
		case opUpload: {
			uint64_t n = c[i + 2];
			memcpy(span("upload", c[i + 1], n), &c[i + 3], n);
			i += 3 + (n + 7) / 8;
			break;
		}
		case opMemset:
			memset(span("memset", c[i + 1], c[i + 2]), 0, c[i + 2]);
			i += 3;
			break;
		case opCopy:
			memmove(span("copy dst", c[i + 1], c[i + 3]), span("copy src", c[i + 2], c[i + 3]), c[i + 3]);
			i += 4;
			break;
		case opRecord:
			i += 2;
			break;
		default:
			fprintf(stderr, "emu: bad opcode %llu at word %zu\n", (unsigned long long)c[i], i);
			_exit(3);
		}
	}
}

static void onSegv(int sig, siginfo_t* si, void*) {
	char buf[256];
	where(buf, sizeof buf);
	fprintf(stderr, "emu: %s: %s at address %p\n", buf, sig == SIGSEGV ? "segmentation fault" : "bus error",
	        si->si_addr);
	_exit(3);
}

} // namespace emu

int main() {
	using namespace emu;
	if (const char* o = getenv("EMBREC_EMU_ORDER")) {
		if (strcmp(o, "forward") == 0) order = FORWARD;
		else if (strcmp(o, "reverse") == 0) order = REVERSE;
		else if (strcmp(o, "alternate") == 0) order = ALTERNATE;
		else {
			fprintf(stderr, "emu: EMBREC_EMU_ORDER=%s: want forward, reverse or alternate\n", o);
			_exit(3);
		}
	}
	static char altStack[64 << 10];
	stack_t ss = {};
	ss.ss_sp = altStack;
	ss.ss_size = sizeof altStack;
	sigaltstack(&ss, nullptr);
	struct sigaction sa = {};
	sa.sa_sigaction = onSegv;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigaction(SIGSEGV, &sa, nullptr);
	sigaction(SIGBUS, &sa, nullptr);
	std::vector<uint64_t> buf;
	for (;;) {
		switch (word()) {
		case 1: {
			arenaSize = word();
			// guard regions on both sides: a kernel reading or writing past the
			// arena faults instead of touching other memory
			unsigned char* m = (unsigned char*)mmap(nullptr, arenaSize + 2 * kGuard, PROT_NONE,
			                                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
			if (m == MAP_FAILED || mprotect(m + kGuard, arenaSize, PROT_READ | PROT_WRITE) != 0) {
				perror("emu: arena");
				_exit(3);
			}
			arena = m + kGuard;
			reply((uint64_t)(uintptr_t)arena);
			break;
		}
		case 2: {
			uint64_t n = word();
			std::string name(n, '\0');
			std::vector<uint64_t> w((n + 7) / 8);
			readFull(w.data(), w.size() * 8);
			memcpy(&name[0], w.data(), n);
			uint64_t h = ~0ull;
			for (size_t i = 0; i < registry().size(); i++)
				if (registry()[i].name == name) h = i;
			reply(h);
			break;
		}
		case 3: {
			buf.resize(word());
			readFull(buf.data(), buf.size() * 8);
			run(buf);
			reply(0);
			break;
		}
		case 4: {
			uint64_t src = word(), n = word();
			std::vector<unsigned char> out((n + 7) / 8 * 8);
			memcpy(out.data(), span("download", src, n), n);
			writeFull(out.data(), out.size());
			break;
		}
		case 5: {
			uint64_t dst = word(), n = word();
			std::vector<unsigned char> in((n + 7) / 8 * 8);
			readFull(in.data(), in.size());
			memcpy(span("upload", dst, n), in.data(), n);
			reply(0);
			break;
		}
		case 6: { // ldmatrix bank use since the last request: count, then per kernel
			reply(bankUse.size());
			for (auto& [name, u] : bankUse) {
				std::vector<uint64_t> w((name.size() + 7) / 8);
				memcpy(w.data(), name.data(), name.size());
				reply(name.size());
				writeFull(w.data(), w.size() * 8);
				reply(u.phases);
				reply(u.wavefronts);
			}
			bankUse.clear();
			break;
		}
		default:
			fprintf(stderr, "emu: bad request\n");
			_exit(3);
		}
	}
}
