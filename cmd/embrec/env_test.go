package main

import (
	"bytes"
	"strings"
	"testing"

	"embrec/cuda"
)

// TestCUDAOptionsFromEnv: each EMBREC_CUDA_* variable maps onto its
// cuda.Options field, adds to what the flags set, and a value out of range
// is refused with the variable's name.
func TestCUDAOptionsFromEnv(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	for _, c := range []struct {
		name string
		in   cuda.Options
		env  func(string) string
		want cuda.Options
	}{
		{"none", cuda.Options{}, env(), cuda.Options{}},
		{"flags kept", cuda.Options{Profile: true, AttentionF32: true}, env("EMBREC_CUDA_ATTENTION", "bf16"), cuda.Options{Profile: true, AttentionF32: true}},
		{"gemm", cuda.Options{}, env("EMBREC_CUDA_GEMM", "v3a"), cuda.Options{GEMMVariant: "v3a"}},
		{"gemm flag wins", cuda.Options{GEMMVariant: "v2a"}, env("EMBREC_CUDA_GEMM", "v3a"), cuda.Options{GEMMVariant: "v2a"}},
		{"debug", cuda.Options{}, env("EMBREC_CUDA_DEBUG", "1"), cuda.Options{Debug: true}},
		{"profile", cuda.Options{}, env("EMBREC_CUDA_PROFILE", "1"), cuda.Options{Profile: true}},
		{"profile grids", cuda.Options{}, env("EMBREC_CUDA_PROFILE", "grids"), cuda.Options{ProfileGrids: true}},
		{"attention", cuda.Options{}, env("EMBREC_CUDA_ATTENTION", "f32"), cuda.Options{AttentionF32: true}},
		{"copies", cuda.Options{}, env("EMBREC_CUDA_FUSED_COPIES", "0"), cuda.Options{UnfusedCopies: true}},
		{"copies on", cuda.Options{}, env("EMBREC_CUDA_FUSED_COPIES", "1"), cuda.Options{}},
	} {
		got, err := cudaOptions(c.in, c.env)
		if err != nil || got != c.want {
			t.Errorf("%s: %+v, %v; want %+v", c.name, got, err, c.want)
		}
	}
	for _, kv := range [][2]string{{"EMBREC_CUDA_DEBUG", "yes"}, {"EMBREC_CUDA_PROFILE", "yes"}, {"EMBREC_CUDA_ATTENTION", "tf32"},
		{"EMBREC_CUDA_FUSED_COPIES", "2"}, {"EMBREC_CUDA_FUSED_DROPOUT", "0"}, {"EMBREC_CUDA_THIN_LOADS", "scalar"}} {
		if _, err := cudaOptions(cuda.Options{}, env(kv[0], kv[1])); err == nil || !strings.Contains(err.Error(), kv[0]) {
			t.Errorf("%s=%s: err %v", kv[0], kv[1], err)
		}
	}
}

// TestHelpEnv: `embrec help env` and `embrec env` list every variable.
func TestHelpEnv(t *testing.T) {
	for _, args := range [][]string{{"help", "env"}, {"env"}} {
		var out, errOut bytes.Buffer
		old := cmdOut
		cmdOut = &out
		code := runMain(args, &out, &errOut)
		cmdOut = old
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut.String())
		}
		for _, v := range envVars {
			if !strings.Contains(out.String(), v.name+"=") {
				t.Errorf("%v: %s missing from\n%s", args, v.name, out.String())
			}
		}
	}
}
