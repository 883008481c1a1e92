// foreign.go: factors fitted by other ALS engines, and mapping any factor
// table onto a dataset's ids. LoadAny reads embrec's own files (Save),
// implicit's .npz (user_factors, item_factors) and text tables (Spark's
// ALSModel factors); Reorder puts the rows in a dataset's order by raw id,
// naming every id that does not match.

package wals

import (
	"fmt"
	"os"
	"strings"
)

// IDsDataset is the ids argument of LoadAny that says an .npz's rows are
// in the dataset's own order (users in file order, items in order of first
// appearance).
const IDsDataset = "dataset"

// LoadAny reads a factor table:
//
//   - "USERS,ITEMS" (two paths): text tables, a row "id v1 ... vK" a line
//     (files, or directories of Spark part files);
//   - "*.npz": implicit's model.save (or np.savez) with user_factors and
//     item_factors (float32 or float64, C order). Row ids come from
//     user_ids / item_ids arrays in the archive, else from ids:
//     "USERS.txt,ITEMS.txt" (one raw id a line, in row order) or
//     IDsDataset (rows in the dataset's order: dsUsers, dsItems). Without
//     either it is an error: implicit's rows are whatever matrix rows the
//     caller built, which the file does not record;
//   - anything else: a file written by Save.
func LoadAny(path, ids string, dsUsers, dsItems []string) (*Saved, error) {
	if users, items, ok := strings.Cut(path, ","); ok {
		return loadTextPair(users, items)
	}
	if strings.HasSuffix(path, ".npz") {
		return loadNpz(path, ids, dsUsers, dsItems)
	}
	if ids != "" {
		return nil, fmt.Errorf("%s: row ids (%q) are only for .npz files", path, ids)
	}
	return Load(path)
}

func loadTextPair(users, items string) (*Saved, error) {
	uids, x, ku, err := readTextFactors(users)
	if err != nil {
		return nil, err
	}
	iids, y, ki, err := readTextFactors(items)
	if err != nil {
		return nil, err
	}
	if ku != ki {
		return nil, fmt.Errorf("%s has %d factors a row, %s %d", users, ku, items, ki)
	}
	return &Saved{Model: &Model{K: ku, Users: len(uids), Items: len(iids), X: x, Y: y, sc: &scoring{}},
		UserIDs: uids, ItemIDs: iids, Meta: map[string]string{"format": "text", "users": users, "items": items}}, nil
}

func loadNpz(path, ids string, dsUsers, dsItems []string) (*Saved, error) {
	a, err := readNpz(path, "user_factors", "item_factors", "user_ids", "item_ids")
	if err != nil {
		return nil, err
	}
	m := &Model{sc: &scoring{}}
	for _, t := range []struct {
		name string
		rows *int
		v    *[]float32
	}{{"user_factors", &m.Users, &m.X}, {"item_factors", &m.Items, &m.Y}} {
		arr, ok := a[t.name]
		if !ok {
			return nil, fmt.Errorf("%s: no %s array (want implicit's model.save output)", path, t.name)
		}
		if len(arr.shape) != 2 || arr.floats == nil {
			return nil, fmt.Errorf("%s: %s has shape %v, want (rows, factors) of floats", path, t.name, arr.shape)
		}
		if m.K != 0 && arr.shape[1] != m.K {
			return nil, fmt.Errorf("%s: user_factors has %d columns, item_factors %d", path, m.K, arr.shape[1])
		}
		*t.rows, m.K, *t.v = arr.shape[0], arr.shape[1], arr.floats
	}
	s := &Saved{Model: m, Meta: map[string]string{"format": "npz", "file": path}}
	switch ua, ia := a["user_ids"], a["item_ids"]; {
	case ua != nil && ia != nil:
		if ua.strs == nil || ia.strs == nil {
			return nil, fmt.Errorf("%s: user_ids and item_ids must be integer or unicode arrays", path)
		}
		if ids != "" {
			return nil, fmt.Errorf("%s: holds user_ids and item_ids; do not give row ids (%q) too", path, ids)
		}
		s.UserIDs, s.ItemIDs = ua.strs, ia.strs
	case ids == IDsDataset:
		s.UserIDs, s.ItemIDs = dsUsers, dsItems
	case ids != "":
		uf, itf, ok := strings.Cut(ids, ",")
		if !ok {
			return nil, fmt.Errorf("row ids %q: want USERS.txt,ITEMS.txt or %s", ids, IDsDataset)
		}
		if s.UserIDs, err = readIDList(uf); err == nil {
			s.ItemIDs, err = readIDList(itf)
		}
		if err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("%s: no user_ids / item_ids arrays, and no row ids given: say which raw id each row is "+
			"(--factor-ids USERS.txt,ITEMS.txt, or %s when the rows follow the dataset's own order)", path, IDsDataset)
	}
	if len(s.UserIDs) != m.Users || len(s.ItemIDs) != m.Items {
		return nil, fmt.Errorf("%s: %d user rows and %d user ids, %d item rows and %d item ids", path, m.Users, len(s.UserIDs), m.Items, len(s.ItemIDs))
	}
	return s, nil
}

// readIDList reads one raw id a line.
func readIDList(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			ids = append(ids, l)
		}
	}
	return ids, nil
}

// Reorder returns s's factors with user rows in the order of users and
// item rows in the order of items (raw ids). Every dataset id without a
// row, every row whose id is not in the dataset and every id given twice
// is an error, all of them named (the first 50 of each kind, with counts).
func (s *Saved) Reorder(users, items []string) (*Model, error) {
	k := s.Model.K
	m := &Model{K: k, Users: len(users), Items: len(items), X: make([]float32, len(users)*k), Y: make([]float32, len(items)*k), sc: &scoring{}}
	var problems []string
	problems = append(problems, reorder(m.X, k, "user", users, s.UserIDs, s.Model.UserVec)...)
	problems = append(problems, reorder(m.Y, k, "item", items, s.ItemIDs, s.Model.ItemVec)...)
	if len(problems) > 0 {
		return nil, fmt.Errorf("factor ids do not match the dataset: %s", strings.Join(problems, "; "))
	}
	return m, nil
}

func reorder(dst []float32, k int, what string, want, have []string, vec func(int) []float32) []string {
	rows := make(map[string]int, len(have))
	var dup []string
	for r, id := range have {
		if _, seen := rows[id]; seen {
			dup = append(dup, id)
		}
		rows[id] = r
	}
	used := make(map[string]bool, len(want))
	var missing []string
	for i, id := range want {
		r, ok := rows[id]
		if !ok {
			missing = append(missing, id)
			continue
		}
		used[id] = true
		copy(dst[i*k:(i+1)*k], vec(r))
	}
	var extra []string
	for _, id := range have {
		if !used[id] {
			extra = append(extra, id)
		}
	}
	var out []string
	for _, p := range []struct {
		ids  []string
		what string
	}{{missing, "dataset %ss without factors"}, {extra, "factor %ss not in the dataset"}, {dup, "%s ids on two rows"}} {
		if len(p.ids) > 0 {
			out = append(out, fmt.Sprintf("%d "+p.what+": %s", len(p.ids), what, quoteIDs(p.ids)))
		}
	}
	return out
}

func quoteIDs(ids []string) string {
	var b strings.Builder
	for i, id := range ids {
		if i == 50 {
			fmt.Fprintf(&b, ", ... (%d more)", len(ids)-50)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q", id)
	}
	return b.String()
}
