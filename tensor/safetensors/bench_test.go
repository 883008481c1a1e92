// Benchmarks: Open + Float32 of a 64 MiB file per dtype, allocation-free
// conversion into a buffer, header parsing, and writing 64 MiB.

package safetensors

import (
	"fmt"
	"path/filepath"
	"testing"
)

const benchBytes = 64 << 20

// benchFile writes a file holding 64 MiB of data in tensors of dtype dt
// (16 tensors, like the weight matrices of a small model) and returns its path.
func benchFile(b *testing.B, dt DType) (string, []string) {
	b.Helper()
	const parts = 16
	n := benchBytes / dt.Size() / parts
	vals := make([]float32, n)
	for i := range vals {
		vals[i] = float32(i%1000) * 0.001
	}
	specs := make([]Spec, parts)
	names := make([]string, parts)
	for i := range specs {
		names[i] = fmt.Sprintf("layers.%02d.weight", i)
		specs[i] = Spec{Name: names[i], DType: dt, Shape: []int{n / 256, 256}}
	}
	path := filepath.Join(b.TempDir(), "bench.safetensors")
	w, err := Create(path, specs, nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range names {
		if err := w.WriteFloat32(name, vals); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	return path, names
}

// BenchmarkOpenFloat32 opens a 64 MiB file and converts every tensor with
// Float32 (newly allocated); bytes/s counts file data.
func BenchmarkOpenFloat32(b *testing.B) {
	for _, dt := range []DType{F32, F16, BF16} {
		b.Run(string(dt), func(b *testing.B) {
			path, names := benchFile(b, dt)
			b.SetBytes(benchBytes)
			b.ReportAllocs()
			for b.Loop() {
				f, err := Open(path)
				if err != nil {
					b.Fatal(err)
				}
				for _, n := range names {
					if _, err := f.Float32(n); err != nil {
						b.Fatal(err)
					}
				}
				f.Close()
			}
		})
	}
}

// BenchmarkReadFloat32Into converts every tensor of an open 64 MiB file into
// one reused buffer: no allocations.
func BenchmarkReadFloat32Into(b *testing.B) {
	for _, dt := range []DType{F32, F16, BF16} {
		b.Run(string(dt), func(b *testing.B) {
			path, names := benchFile(b, dt)
			f, err := Open(path)
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			info, _ := f.Info(names[0])
			dst := make([]float32, info.NumElements())
			b.SetBytes(benchBytes)
			b.ReportAllocs()
			for b.Loop() {
				for _, n := range names {
					if err := f.ReadFloat32Into(n, dst); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// BenchmarkParseHeader parses the header of a 26-layer LLaMA-shaped model
// (OpenLLaMA-3B's tensor names and shapes, 237 tensors).
func BenchmarkParseHeader(b *testing.B) {
	var specs []Spec
	add := func(name string, shape ...int) { specs = append(specs, Spec{name, BF16, shape}) }
	add("model.embed_tokens.weight", 32000, 3200)
	add("lm_head.weight", 32000, 3200)
	add("model.norm.weight", 3200)
	for l := range 26 {
		p := fmt.Sprintf("model.layers.%d.", l)
		for _, m := range []string{"q", "k", "v", "o"} {
			add(p+"self_attn."+m+"_proj.weight", 3200, 3200)
		}
		add(p+"mlp.gate_proj.weight", 8640, 3200)
		add(p+"mlp.up_proj.weight", 8640, 3200)
		add(p+"mlp.down_proj.weight", 3200, 8640)
		add(p+"input_layernorm.weight", 3200)
		add(p+"post_attention_layernorm.weight", 3200)
	}
	sizes, hdr, err := buildHeader("", specs, map[string]string{"format": "pt"})
	if err != nil {
		b.Fatal(err)
	}
	var total int64
	for _, s := range sizes {
		total += s
	}
	b.SetBytes(int64(len(hdr)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := ParseHeader(hdr, total); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriteF32 writes a 64 MiB F32 tensor with Write (atomic, fsynced).
func BenchmarkWriteF32(b *testing.B) {
	vals := make([]float32, benchBytes/4)
	t := F32Tensor("w", []int{len(vals) / 256, 256}, vals)
	path := filepath.Join(b.TempDir(), "w.safetensors")
	b.SetBytes(benchBytes)
	b.ReportAllocs()
	for b.Loop() {
		if err := Write(path, []Tensor{t}, nil); err != nil {
			b.Fatal(err)
		}
	}
}
