// Blocking experiments: variants of a configuration timed round-robin in
// one process (seven rounds, each the mean of three calls after one
// untimed), so a shared machine's drift hits every variant alike. Skipped
// unless -gemm.tune names the variants; the blocking in blocking.go and
// kernel_amd64.go was chosen with it (results/cpu/README.md, session 6).
//
//	go test -run TestTune -v ./tensor/internal/gemm -gemm.tune '240:256:4096 240:512:4096' \
//	    [-gemm.shape NN:2048:2048:2048] [-gemm.threads 2]
//
// A variant is MC:KC:NC of the default float32 configuration, bf16:MC:KC:NC
// of the default BF16 one (BF16 operands, KC in depths), or
// shared:MC:KC:NC, float32 with the shared B panel forced (useOwnB off).

package gemm

import (
	"flag"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

var (
	tuneVariants = flag.String("gemm.tune", "", "blocking variants to time, MC:KC:NC or bf16:MC:KC:NC (TestTune)")
	tuneShape    = flag.String("gemm.shape", "NN:2048:2048:2048", "TestTune: LAYOUT:M:N:K (layouts NN, NT, TN, TT)")
	tuneThreads  = flag.Int("gemm.threads", 1, "TestTune: threads")
)

func TestTune(t *testing.T) {
	if *tuneVariants == "" {
		t.Skip("no -gemm.tune variants")
	}
	sh := strings.Split(*tuneShape, ":")
	if len(sh) != 4 || len(sh[0]) != 2 {
		t.Fatalf("-gemm.shape %q: want LAYOUT:M:N:K", *tuneShape)
	}
	ta, tb := sh[0][0] == 'T', sh[0][1] == 'T'
	var dims [3]int
	for i := range dims {
		d, err := strconv.Atoi(sh[i+1])
		if err != nil || d <= 0 {
			t.Fatalf("-gemm.shape %q: bad size %q", *tuneShape, sh[i+1])
		}
		dims[i] = d
	}
	m, n, k := dims[0], dims[1], dims[2]
	lda, ldb := k, n
	if ta {
		lda = m
	}
	if tb {
		ldb = k
	}
	SetThreads(*tuneThreads)
	defer SetThreads(0)
	type variant struct {
		name   string
		cfg    config
		bf16   bool
		shared bool
	}
	var vs []variant
	for _, spec := range strings.Fields(*tuneVariants) {
		f := strings.Split(spec, ":")
		v := variant{name: spec, cfg: defaultConfig()}
		switch f[0] {
		case "bf16":
			v.bf16, v.cfg, f = true, bf16Configs()[0], f[1:]
		case "shared":
			v.shared, f = true, f[1:]
		}
		if len(f) != 3 {
			t.Fatalf("variant %q: want MC:KC:NC", spec)
		}
		var err [3]error
		v.cfg.mc, err[0] = strconv.Atoi(f[0])
		v.cfg.kc, err[1] = strconv.Atoi(f[1])
		v.cfg.nc, err[2] = strconv.Atoi(f[2])
		for _, e := range err {
			if e != nil {
				t.Fatalf("variant %q: %v", spec, e)
			}
		}
		if v.cfg.mc%v.cfg.mr != 0 || v.cfg.nc%v.cfg.nr != 0 || v.cfg.pairs && v.cfg.kc%2 != 0 {
			t.Fatalf("variant %q: MC must be a multiple of %d, NC of %d (and KC even for pairs)", spec, v.cfg.mr, v.cfg.nr)
		}
		vs = append(vs, v)
	}
	a, ah := make([]float32, m*k), make([]uint16, m*k)
	b, bh := make([]float32, k*n), make([]uint16, k*n)
	c := make([]float32, m*n)
	for i := range a {
		a[i], ah[i] = float32(i%7)-3, uint16(0x3f80+i%7)
	}
	for i := range b {
		b[i], bh[i] = float32(i%5)-2, uint16(0x3f80+i%5)
	}
	flops := 2 * float64(m) * float64(n) * float64(k)
	res := make([][]float64, len(vs))
	for r := 0; r < 7; r++ {
		for i, v := range vs {
			call := func() { Sgemm(ta, tb, m, n, k, 1, a, lda, b, ldb, 0, c, n) }
			old, oldBF16 := active, activeBF16
			if v.bf16 {
				activeBF16 = v.cfg
				call = func() { GemmBF16(ta, tb, m, n, k, 1, Operand{BF16: ah}, lda, Operand{BF16: bh}, ldb, 0, c, n) }
			} else {
				setConfig(v.cfg)
			}
			sharedBOnly = v.shared
			call()
			t0 := time.Now()
			for range 3 {
				call()
			}
			res[i] = append(res[i], 3*flops/time.Since(t0).Seconds()/1e9)
			setConfig(old)
			activeBF16, sharedBOnly = oldBF16, false
		}
	}
	for i, v := range vs {
		sort.Float64s(res[i])
		fmt.Printf("%-22s %s threads=%d: median %.1f GFLOP/s [%.1f..%.1f]\n", v.name, *tuneShape, *tuneThreads, res[i][3], res[i][0], res[i][6])
	}
}
