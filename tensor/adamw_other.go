//go:build !amd64 || purego

package tensor

func adamwSlice(p, g, m, v []float32, c *adamwConsts) { adamwGo(p, g, m, v, c) }
