// rank.go: rank of one item and the top-k list over a full catalogue of
// scores, with optional excluded items and deterministic tie-breaking.

package metrics

import "math"

// Excluded reports whether an item is excluded from the ranking. A nil
// Excluded excludes nothing.
type Excluded func(item int32) bool

// Set returns an Excluded over a small list of items (a user's history).
func Set(items []int32) Excluded {
	if len(items) == 0 {
		return nil
	}
	if len(items) <= 16 {
		return func(it int32) bool {
			for _, x := range items {
				if x == it {
					return true
				}
			}
			return false
		}
	}
	m := make(map[int32]struct{}, len(items))
	for _, x := range items {
		m[x] = struct{}{}
	}
	return func(it int32) bool { _, ok := m[it]; return ok }
}

// before reports whether item a (score sa) ranks above item b (score sb):
// higher score first, lower index on ties.
func before(sa float32, a int32, sb float32, b int32) bool {
	return sa > sb || (sa == sb && a < b)
}

// Rank returns the 1-based rank of target among all items of scores that are
// not excluded; 0 if target itself is excluded. NaN scores rank last.
func Rank(scores []float32, target int32, ex Excluded) int {
	if ex != nil && ex(target) {
		return 0
	}
	st := scores[target]
	if st != st { // NaN: after every number
		st = negInf
	}
	rank := 1
	for i, s := range scores {
		if s != s {
			s = negInf
		}
		if before(s, int32(i), st, target) && (ex == nil || !ex(int32(i))) {
			rank++
		}
	}
	return rank
}

var negInf = float32(math.Inf(-1))

// TopK appends to dst the k best items of scores that are not excluded, best
// first, and returns it.
func TopK(dst []int32, scores []float32, k int, ex Excluded) []int32 {
	// A sorted (best first) buffer of at most k entries: insertion is O(k)
	// but happens rarely once the buffer holds good items.
	start := len(dst)
	for i, s := range scores {
		if s != s {
			s = negInf
		}
		it := int32(i)
		n := len(dst) - start
		if n == k {
			last := dst[len(dst)-1]
			if !before(s, it, score(scores, last), last) {
				continue
			}
		}
		if ex != nil && ex(it) {
			continue
		}
		if n < k {
			dst = append(dst, it)
		} else {
			dst[len(dst)-1] = it
		}
		for j := len(dst) - 1; j > start && before(s, it, score(scores, dst[j-1]), dst[j-1]); j-- {
			dst[j], dst[j-1] = dst[j-1], dst[j]
		}
	}
	return dst
}

func score(scores []float32, i int32) float32 {
	s := scores[i]
	if s != s {
		return negInf
	}
	return s
}
