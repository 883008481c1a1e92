// The CF lookup table: WALS user and item factors in dataset index order,
// fitted here on the training split or read from a factor file and matched
// to the dataset by raw id.

package train

import (
	"fmt"
	"math"

	"embrec/train/cf"
	"embrec/train/data"
	"embrec/wals"
)

// Factors are the WALS embeddings of a dataset's users and items.
type Factors struct {
	K    int
	User []float32 // (NU, K) row u = dataset user index u
	Item []float32 // (NI, K) row i = dataset item index i
}

// FitFactors fits WALS on the training split of d (validation and test
// items never enter the matrix).
func FitFactors(d *data.Dataset, cfg wals.Config) (*Factors, error) {
	m, cols, err := FitWALS(d, cfg)
	if err != nil {
		return nil, err
	}
	return FactorsOf(m, cols), nil
}

// FitWALS fits WALS on the training split of d; item rows of the model
// are in cols order (see cf.TrainColumns).
func FitWALS(d *data.Dataset, cfg wals.Config) (*wals.Model, cf.Columns, error) {
	cols := cf.TrainColumns(d)
	m, err := wals.Fit(cf.TrainMatrix(d, cols), cfg, wals.FitOptions{})
	return m, cols, err
}

// FactorsOf copies a fitted model's factors into dataset index order.
func FactorsOf(m *wals.Model, cols cf.Columns) *Factors {
	f := &Factors{K: m.K, User: append([]float32(nil), m.X...), Item: make([]float32, len(m.Y))}
	for col, it := range cols.Item {
		copy(f.Item[int(it)*m.K:], m.ItemVec(col))
	}
	return f
}

// LoadFactors reads a factor file written by `embrec wals` and orders its
// rows like d, matching raw user and item ids. Every user and item of d
// must be present.
func LoadFactors(path string, d *data.Dataset) (*Factors, error) {
	s, err := wals.Load(path)
	if err != nil {
		return nil, err
	}
	if len(s.UserIDs) != d.NumUsers() || len(s.ItemIDs) != d.NumItems() {
		return nil, fmt.Errorf("%s: factors for %d users and %d items, %s has %d and %d (fitted on another dataset?)",
			path, len(s.UserIDs), len(s.ItemIDs), d.Name, d.NumUsers(), d.NumItems())
	}
	if want := s.Meta["data_sha256"]; want != "" && d.Path != "" {
		if _, got, err := FileDigest(d.Path); err == nil && got != want {
			return nil, fmt.Errorf("%s: fitted on a dataset with sha256 %.12s, %s has %.12s (fitted on another or an edited dataset?)", path, want, d.Path, got)
		}
	}
	k := s.Model.K
	f := &Factors{K: k, User: make([]float32, d.NumUsers()*k), Item: make([]float32, d.NumItems()*k)}
	if id, ok := orderRows(f.User, k, d.Users, s.UserIDs, s.Model.UserVec); !ok {
		return nil, fmt.Errorf("%s: no factors for user %q of %s", path, id, d.Name)
	}
	if id, ok := orderRows(f.Item, k, d.Items, s.ItemIDs, s.Model.ItemVec); !ok {
		return nil, fmt.Errorf("%s: no factors for item %q of %s", path, id, d.Name)
	}
	return f, nil
}

// orderRows copies into dst row i the file's row for want[i], found by id
// in have (vec returns a file row); it reports the first id it lacks.
func orderRows(dst []float32, k int, want, have []string, vec func(int) []float32) (missing string, ok bool) {
	rows := make(map[string]int, len(have))
	for r, id := range have {
		rows[id] = r
	}
	for i, id := range want {
		r, ok := rows[id]
		if !ok {
			return id, false
		}
		copy(dst[i*k:(i+1)*k], vec(r))
	}
	return "", true
}

// Standardize divides each table by its root mean square, so that the
// projectors see inputs of unit scale whatever WALS's regularisation made
// of the factors' norms. It returns the two scales.
func (f *Factors) Standardize() (user, item float64) {
	scale := func(v []float32) float64 {
		var ss float64
		for _, x := range v {
			ss += float64(x) * float64(x)
		}
		rms := math.Sqrt(ss / float64(max(len(v), 1)))
		if rms > 0 {
			for i := range v {
				v[i] = float32(float64(v[i]) / rms)
			}
		}
		return rms
	}
	return scale(f.User), scale(f.Item)
}
