// The instruction-set level of the CPU backend's elementwise kernels
// (dropout, the slice exp, and through internal/vec the dots, axpys, maxima
// and sums): the widest the CPU has unless SetVectorLevel caps it, so
// tests and benchmarks can run every path.

package tensor

import "fmt"

// vecISA is an elementwise kernel level, narrowest first.
type vecISA uint8

const (
	isaGo vecISA = iota
	isaAVX2
	isaAVX512
)

func (i vecISA) String() string { return [...]string{"go", "avx2", "avx512"}[i] }

// isa is the level the elementwise kernels run at (setISA changes it).
var isa = supportedISAs()[0]

func vectorLevels() []string {
	var names []string
	for _, i := range supportedISAs() {
		names = append(names, i.String())
	}
	return names
}

func setVectorLevel(level string) error {
	for _, i := range supportedISAs() {
		if level == i.String() || level == "" {
			setISA(i)
			return nil
		}
	}
	return fmt.Errorf("tensor: vector level %q: this CPU runs %v", level, vectorLevels())
}

func vectorLevel() string { return isa.String() }
