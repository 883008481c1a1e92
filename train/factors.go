// The CF lookup table: WALS user and item factors in dataset index order,
// fitted here on the training split or read from a factor file (embrec's,
// implicit's .npz or Spark's as text) and matched to the dataset by raw id.

package train

import (
	"embrec/internal/finite"
	"fmt"
	"math"
	"strconv"

	"embrec/train/cf"
	"embrec/train/data"
	"embrec/wals"
)

// Factors are the WALS embeddings of a dataset's users and items.
type Factors struct {
	K    int
	User []float32 // (NU, K) row u = dataset user index u
	Item []float32 // (NI, K) row i = dataset item index i
	// Fit is the regularisation and confidence of the fit that produced
	// the factors, when known (fitted here, or recorded in the file).
	Fit *FoldInSpec
}

// FitFactors fits WALS on the training split of d (validation and test
// items never enter the matrix).
func FitFactors(d *data.Dataset, cfg wals.Config, opt wals.FitOptions) (*Factors, error) {
	m, cols, err := FitWALS(d, cfg, opt)
	if err != nil {
		return nil, err
	}
	f := FactorsOf(m, cols)
	f.Fit = &FoldInSpec{Reg: cfg.Reg, Alpha: cfg.Alpha}
	return f, nil
}

// FitWALS fits WALS on the training split of d; item rows of the model
// are in cols order (see cf.TrainColumns).
func FitWALS(d *data.Dataset, cfg wals.Config, opt wals.FitOptions) (*wals.Model, cf.Columns, error) {
	cols := cf.TrainColumns(d)
	m, err := wals.Fit(cf.TrainMatrix(d, cols), cfg, opt)
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

// LoadFactors reads a factor table (wals.LoadAny: a file written by
// `embrec wals`, implicit's .npz, or Spark's factors as text "USERS,ITEMS")
// and orders its rows like d by raw user and item id. ids names the rows
// of an .npz without id arrays (see wals.LoadAny). Every user and item of
// d must have a row and every row a dataset id; the error names each one
// that does not.
func LoadFactors(path, ids string, d *data.Dataset) (*Factors, error) {
	s, err := wals.LoadAny(path, ids, d.Users, d.Items)
	if err != nil {
		return nil, err
	}
	if want := s.Meta["data_sha256"]; want != "" && d.Path != "" {
		if _, got, err := FileDigest(d.Path); err == nil && got != want {
			return nil, fmt.Errorf("%s: fitted on a dataset with sha256 %.12s, %s has %.12s (fitted on another or an edited dataset?)", path, want, d.Path, got)
		}
	}
	m, err := s.Reorder(d.Users, d.Items)
	if err != nil {
		return nil, fmt.Errorf("%s and %s: %w", path, d.Name, err)
	}
	for _, t := range []struct {
		name string
		v    []float32
	}{{"user", m.X}, {"item", m.Y}} {
		if i := finite.Index(t.v); i >= 0 {
			return nil, fmt.Errorf("%s: %s factor row %d holds a non-finite value (%v)", path, t.name, i/max(m.K, 1), t.v[i])
		}
	}
	f := &Factors{K: m.K, User: m.X, Item: m.Y}
	reg, e1 := strconv.ParseFloat(s.Meta["reg"], 64)
	alpha, e2 := strconv.ParseFloat(s.Meta["alpha"], 64)
	if e1 == nil && e2 == nil {
		f.Fit = &FoldInSpec{Reg: reg, Alpha: alpha}
	}
	return f, nil
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
