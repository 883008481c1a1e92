// io.go: saving and loading fitted factors as safetensors.
//
// File layout (format "embrec-wals/1"):
//
//	tensors   user_factors  F32 (Users, K)   row u = user u
//	          item_factors  F32 (Items, K)   row i = item i
//	metadata  format        "embrec-wals/1"
//	          user_ids      raw user ids, one per row, joined by "\n"
//	          item_ids      raw item ids, one per row, joined by "\n"
//	          plus whatever the caller adds (hyper-parameters, data file, ...)
//
// The id maps live in the metadata so that one file is self-describing; a
// reader maps a raw id to its row by position in user_ids / item_ids.

package wals

import (
	"fmt"
	"strings"

	"embrec/internal/finite"
	"embrec/tensor/safetensors"
)

// FileFormat is the value of the "format" metadata key.
const FileFormat = "embrec-wals/1"

// Saved is a model with its id maps and metadata.
type Saved struct {
	Model   *Model
	UserIDs []string // row -> raw user id
	ItemIDs []string // row -> raw item id
	Meta    map[string]string
}

// Save writes m and its id maps to path (atomically). meta entries are
// added to the metadata; the keys format, user_ids and item_ids are reserved.
func Save(path string, m *Model, userIDs, itemIDs []string, meta map[string]string) error {
	if len(userIDs) != m.Users || len(itemIDs) != m.Items {
		return fmt.Errorf("save %s: %d user ids for %d users, %d item ids for %d items", path, len(userIDs), m.Users, len(itemIDs), m.Items)
	}
	for _, ids := range [][]string{userIDs, itemIDs} {
		for _, id := range ids {
			if id == "" || strings.ContainsAny(id, "\n") {
				return fmt.Errorf("save %s: id %q is empty or holds a newline", path, id)
			}
		}
	}
	for _, t := range []struct {
		name string
		v    []float32
	}{{"user_factors", m.X}, {"item_factors", m.Y}} {
		if i := finite.Index(t.v); i >= 0 {
			return fmt.Errorf("save %s: %s row %d holds %v", path, t.name, i/max(m.K, 1), t.v[i])
		}
	}
	md := map[string]string{}
	for k, v := range meta {
		md[k] = v
	}
	md["format"] = FileFormat
	md["user_ids"] = strings.Join(userIDs, "\n")
	md["item_ids"] = strings.Join(itemIDs, "\n")
	return safetensors.Write(path, []safetensors.Tensor{
		safetensors.F32Tensor("user_factors", []int{m.Users, m.K}, m.X),
		safetensors.F32Tensor("item_factors", []int{m.Items, m.K}, m.Y),
	}, md)
}

// Load reads a file written by Save.
func Load(path string) (*Saved, error) {
	f, err := safetensors.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	md := f.Metadata()
	if md["format"] != FileFormat {
		return nil, fmt.Errorf("%s: metadata format is %q, want %q (not a WALS factor file)", path, md["format"], FileFormat)
	}
	get := func(name string) ([]float32, []int, error) {
		info, ok := f.Info(name)
		if !ok {
			return nil, nil, fmt.Errorf("%s: no tensor %q", path, name)
		}
		if len(info.Shape) != 2 {
			return nil, nil, fmt.Errorf("%s: tensor %q has shape %v, want 2 dimensions", path, name, info.Shape)
		}
		v, err := f.Float32(name)
		if err != nil {
			return nil, nil, err
		}
		if i := finite.Index(v); i >= 0 {
			return nil, nil, fmt.Errorf("%s: tensor %q: row %d holds %v (not a finite number)", path, name, i/max(info.Shape[1], 1), v[i])
		}
		return v, info.Shape, nil
	}
	x, xs, err := get("user_factors")
	if err != nil {
		return nil, err
	}
	y, ys, err := get("item_factors")
	if err != nil {
		return nil, err
	}
	if xs[1] != ys[1] {
		return nil, fmt.Errorf("%s: user_factors has %d columns, item_factors %d", path, xs[1], ys[1])
	}
	s := &Saved{
		Model:   &Model{K: xs[1], Users: xs[0], Items: ys[0], X: x, Y: y, sc: &scoring{}},
		UserIDs: splitIDs(md["user_ids"]),
		ItemIDs: splitIDs(md["item_ids"]),
		Meta:    md,
	}
	if len(s.UserIDs) != s.Model.Users || len(s.ItemIDs) != s.Model.Items {
		return nil, fmt.Errorf("%s: %d user ids for %d rows, %d item ids for %d rows", path, len(s.UserIDs), s.Model.Users, len(s.ItemIDs), s.Model.Items)
	}
	delete(s.Meta, "user_ids")
	delete(s.Meta, "item_ids")
	return s, nil
}

func splitIDs(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}
