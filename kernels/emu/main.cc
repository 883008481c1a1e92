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
// A kernel fault (trap, deadlock, a segmentation fault, an address outside
// the arena in a copy) ends the process with a message on stderr naming
// the kernel, block and thread; the Go side reports it.

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

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

enum State { RUN, BAR, WARP, DONE };

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

struct Fiber {
	Context ctx;
	uint3 tid;
	int lin; // linear thread index in the block
	State st;
	std::vector<std::vector<Pending>> groups; // committed cp.async groups, oldest first
	std::vector<Pending> open;                // copies not yet committed
};

struct Warp {
	int live, arrived, op, size;
	Collective fn;
	unsigned char in[32 * 64];
	void* out[32];
};

static const size_t kStack = 256 << 10;
static const size_t kDynMax = 232448; // the largest opt-in shared memory of sm_90, bytes
static std::vector<Fiber> fibers;
static std::vector<Warp> warps;
static std::vector<char*> stacks;
static Fiber* cur;
static Context sched;
static int live, barArrived;
static const Kernel* running;
static const uint64_t* params;
static unsigned dynBytes;
alignas(1024) static unsigned char dynSmem[kDynMax];

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

static void apply(const std::vector<Pending>& g) {
	for (const Pending& p : g) memcpy(p.dst, p.data, 16);
}

static void releaseBarrier() {
	if (barArrived > 0 && barArrived == live) {
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

static void entry() {
	running->inv(running->fn, params);
	Fiber* f = cur;
	for (auto& g : f->groups) apply(g); // copies still in flight complete anyway
	apply(f->open);
	f->groups.clear();
	f->open.clear();
	f->st = DONE;
	live--;
	warps[f->lin / 32].live--;
	releaseBarrier();
	releaseWarp(f->lin / 32);
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
			float A[16][16], Bt[8][16];
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
				memset(dynSmem, 0xff, smem);
				for (int w = 0; w < (int)warps.size(); w++) warps[w] = Warp{min(32, nt - 32 * w), 0, 0, 0, nullptr, {}, {}};
				for (int i = 0; i < nt; i++) {
					Fiber& f = fibers[i];
					f.lin = i;
					f.tid = {(unsigned)(i % b[0]), (unsigned)(i / b[0] % b[1]), (unsigned)(i / (b[0] * b[1]))};
					f.st = RUN;
					f.groups.clear();
					f.open.clear();
					initFiber(f, stacks[i]);
				}
				live = nt;
				barArrived = 0;
				while (live > 0) {
					bool ran = false;
					for (Fiber& f : fibers) {
						if (f.st != RUN) continue;
						cur = &f;
						threadIdx = f.tid;
						switchTo(&sched, &f.ctx);
						ran = true;
					}
					if (!ran) {
						int bar = 0, warp = 0;
						for (Fiber& f : fibers) {
							bar += f.st == BAR;
							warp += f.st == WARP;
						}
						char why[128];
						snprintf(why, sizeof why, "deadlock: %d threads at __syncthreads, %d at warp collectives, %d live",
						         bar, warp, live);
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
		default:
			fprintf(stderr, "emu: bad request\n");
			_exit(3);
		}
	}
}
