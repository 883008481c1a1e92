// text.go: factor tables as text, one row a line "id v1 ... vK" (the id,
// then K numbers, separated by commas, spaces, tabs or semicolons;
// brackets and quotes around the vector ignored): what Spark's
// ALSModel.userFactors / itemFactors DataFrames give once their features
// array is written out (see the README). A path may be a file or a
// directory of part files (Spark's output: part-* read in name order,
// _SUCCESS and dot files skipped). A first line that is not numbers is a
// header; '#' lines are comments.

package wals

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// readTextFactors reads one table: its ids and (rows, K) values.
func readTextFactors(path string) (ids []string, vals []float32, k int, err error) {
	files := []string{path}
	if st, err := os.Stat(path); err != nil {
		return nil, nil, 0, err
	} else if st.IsDir() {
		ents, err := os.ReadDir(path)
		if err != nil {
			return nil, nil, 0, err
		}
		files = files[:0]
		for _, e := range ents {
			if n := e.Name(); !e.IsDir() && !strings.HasPrefix(n, "_") && !strings.HasPrefix(n, ".") {
				files = append(files, filepath.Join(path, n))
			}
		}
		sort.Strings(files)
		if len(files) == 0 {
			return nil, nil, 0, fmt.Errorf("%s: a directory without part files", path)
		}
	}
	clean := strings.NewReplacer("[", " ", "]", " ", `"`, " ", ",", " ", ";", " ", "\t", " ")
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return nil, nil, 0, err
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<26)
		for line := 1; sc.Scan(); line++ {
			text := strings.TrimSpace(sc.Text())
			if text == "" || text[0] == '#' {
				continue
			}
			fields := strings.Fields(clean.Replace(text))
			row := make([]float32, 0, len(fields))
			bad := ""
			for _, fv := range fields[1:] {
				v, err := strconv.ParseFloat(fv, 32)
				if err != nil {
					bad = fv
					break
				}
				row = append(row, float32(v))
			}
			switch {
			case bad != "" && line == 1:
				continue // a header
			case bad != "":
				f.Close()
				return nil, nil, 0, fmt.Errorf("%s:%d: %q is not a number (want \"id v1 ... vK\")", name, line, bad)
			case len(row) == 0:
				f.Close()
				return nil, nil, 0, fmt.Errorf("%s:%d: id %q has no values (want \"id v1 ... vK\")", name, line, fields[0])
			case k == 0:
				k = len(row)
			case len(row) != k:
				f.Close()
				return nil, nil, 0, fmt.Errorf("%s:%d: %d values, earlier rows have %d", name, line, len(row), k)
			}
			ids = append(ids, fields[0])
			vals = append(vals, row...)
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return nil, nil, 0, fmt.Errorf("%s: %w", name, err)
		}
	}
	if len(ids) == 0 {
		return nil, nil, 0, fmt.Errorf("%s: no factor rows", path)
	}
	return ids, vals, k, nil
}
