package memplan

import (
	"math"
	"strings"
	"testing"
)

func TestMulAddSaturate(t *testing.T) {
	if Mul(1<<40, 1<<30) != math.MaxUint64 || Mul(3, 4, 5) != 60 || Mul(2, -1) != 0 {
		t.Error("Mul")
	}
	if Add(math.MaxUint64-1, 5) != math.MaxUint64 || Add(1, 2) != 3 {
		t.Error("Add")
	}
}

func TestCheck(t *testing.T) {
	if err := Check("x", 999, 1000); err != nil {
		t.Fatal(err)
	}
	err := Check("--batch 100000", 2048, 1000)
	if err == nil || !strings.Contains(err.Error(), "--batch 100000") || !strings.Contains(err.Error(), "2.0 KiB") {
		t.Fatalf("got %v", err)
	}
}
