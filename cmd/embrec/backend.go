// Choosing the backend from --device: the CPU, or the CUDA backend in
// binaries built with -tags cuda (the default build's cuda package is a
// stub that says how to get it).

package main

import (
	"flag"
	"fmt"

	"embrec/cuda"
	"embrec/tensor"
)

// deviceFlags are --device and --threads.
type deviceFlags struct {
	device  *string
	threads *int
}

func addDeviceFlags(fs *flag.FlagSet) deviceFlags {
	return deviceFlags{
		device:  fs.String("device", "cpu", "cpu, or cuda (binaries built with -tags cuda)"),
		threads: fs.Int("threads", 0, "CPU threads (0 = all cores)"),
	}
}

// backend returns the selected backend.
func (f deviceFlags) backend() (tensor.Backend, error) { return f.backendWith(cuda.Options{}) }

// backendWith returns the selected backend, a CUDA one opened with opts
// and the EMBREC_CUDA_* environment variables (env.go).
func (f deviceFlags) backendWith(opts cuda.Options) (tensor.Backend, error) {
	switch *f.device {
	case "cpu":
		c := tensor.NewCPU(*f.threads)
		limit, err := memLimitFromEnv()
		if err != nil {
			return nil, err
		}
		c.SetMemLimit(limit)
		return c, nil
	case "cuda":
		if !cuda.Built {
			// Never reaches cuda.New's *Backend in this build: converting it to
			// tensor.Backend would link every GPU method into the CPU binary.
			return nil, fmt.Errorf("--device cuda: %w", cuda.ErrNotBuilt)
		}
		opts, err := cudaOptionsFromEnv(opts)
		if err != nil {
			return nil, fmt.Errorf("--device cuda: %w", err)
		}
		b, err := cuda.New(opts)
		if err != nil {
			return nil, fmt.Errorf("--device cuda: %w", err)
		}
		return b, nil
	}
	return nil, fmt.Errorf("--device %q: want cpu or cuda", *f.device)
}
