// Decoder: incremental inference with a per-layer KV cache for a batch of
// rows that advance together (prompts left-padded to a common length).

package llama

import (
	"fmt"

	"embrec/tensor"
)

// Decoder holds the KV cache of B rows of up to Max positions each and the
// scratch buffers of one step of up to MaxStep new positions per row.
type Decoder struct {
	m            *Model
	B, Max       int // rows now (Reorder may change it, up to Cap) and positions per row
	Cap          int // rows allocated
	MaxStep      int
	kc, vc       []*tensor.Tensor // (L) x (B, Max, NKV*HS)
	scratch      *tensor.Tensor   // (B, Max, NKV*HS) for Reorder
	mask         []int32          // (B, Max) key validity
	next         []int32          // (B) next position (count of valid tokens)
	Len          int              // positions filled so far (same for every row)
	x, xn        *tensor.Tensor   // (B*MaxStep, C)
	q, tq        *tensor.Tensor   // (B*MaxStep, NH*HS)
	k, v         *tensor.Tensor   // (B*MaxStep, NKV*HS)
	att          *tensor.Tensor   // (B*MaxStep, NH*HS)
	res2         *tensor.Tensor   // (B*MaxStep, C)
	gate, up, h  *tensor.Tensor   // (B*MaxStep, H)
	rstd         *tensor.Tensor   // (B*MaxStep)
	probs        *tensor.Tensor   // (max(B, MaxStep) * NH * Max)
	logits       *tensor.Tensor   // (B, V) last positions
	allLogits    *tensor.Tensor   // (B*MaxStep, V), allocated at the first Step that asks
	cacheRows    []int32          // (B) rows of a (B*Max, NKV*HS) cache view a step writes
	pos, stepMsk []int32          // (B*MaxStep)
}

// NewDecoder allocates a KV cache for B rows of max positions (<= MaxPos)
// and steps of up to maxStep positions (the prompt length for prefill).
func (m *Model) NewDecoder(B, max, maxStep int) *Decoder {
	c := m.Config
	if B <= 0 || max <= 0 || max > c.MaxPos || maxStep <= 0 || maxStep > max {
		panic(fmt.Sprintf("llama: NewDecoder(B %d, max %d, maxStep %d), max must be in [1, %d]", B, max, maxStep, c.MaxPos))
	}
	d := &Decoder{m: m, B: B, Cap: B, Max: max, MaxStep: maxStep}
	ar := &arena{}
	d.kc = make([]*tensor.Tensor, c.Layers)
	d.vc = make([]*tensor.Tensor, c.Layers)
	for l := range d.kc {
		ar.take(&d.kc[l], B, max, c.KVDim())
		ar.take(&d.vc[l], B, max, c.KVDim())
	}
	ar.take(&d.scratch, B, max, c.KVDim())
	N := B * maxStep
	ar.take(&d.x, N, c.Hidden)
	ar.take(&d.xn, N, c.Hidden)
	ar.take(&d.q, N, c.QDim())
	ar.take(&d.tq, N, c.QDim())
	ar.take(&d.k, N, c.KVDim())
	ar.take(&d.v, N, c.KVDim())
	ar.take(&d.att, N, c.QDim())
	ar.take(&d.res2, N, c.Hidden)
	ar.take(&d.gate, N, c.Intermediate)
	ar.take(&d.up, N, c.Intermediate)
	ar.take(&d.h, N, c.Intermediate)
	ar.take(&d.rstd, N)
	rowsP := B // probabilities: (NH, MaxStep, Max) per row in turn, or (B, NH, 1, Max) at once
	if maxStep > B {
		rowsP = maxStep
	}
	ar.take(&d.probs, rowsP*c.Heads*max)
	ar.take(&d.logits, B, c.Vocab)
	ar.alloc(m.Backend)
	d.mask = make([]int32, B*max)
	d.next = make([]int32, B)
	d.pos = make([]int32, N)
	d.stepMsk = make([]int32, N)
	d.cacheRows = make([]int32, B)
	return d
}

// Reset empties the cache.
func (d *Decoder) Reset() {
	d.Len = 0
	clear(d.mask)
	clear(d.next)
}

// Input returns the (B*Tn, C) embedding buffer of a step of Tn positions.
func (d *Decoder) Input(Tn int) *tensor.Tensor {
	return d.x.View(0, d.B*Tn, d.m.Config.Hidden)
}

// StepIDs embeds ids (B*Tn, row-major (B, Tn)) and runs Step.
func (d *Decoder) StepIDs(ids []int32, mask []int32, allLogits bool) *tensor.Tensor {
	Tn := len(ids) / d.B
	if Tn*d.B != len(ids) {
		panic(fmt.Sprintf("llama: StepIDs: %d ids for %d rows", len(ids), d.B))
	}
	d.m.Backend.EmbeddingForward(d.Input(Tn), d.m.Embed, ids)
	return d.Step(Tn, mask, allLogits)
}

// Step appends Tn positions to every row, reading their embeddings from
// Input(Tn), with mask (B*Tn; 0 marks padding; nil: all valid). It returns
// the logits of the last position of each row (B, V), or of every new
// position (B*Tn, V) when allLogits; the view is overwritten by the next step.
func (d *Decoder) Step(Tn int, mask []int32, allLogits bool) *tensor.Tensor {
	m, b, c := d.m, d.m.Backend, d.m.Config
	if Tn <= 0 || Tn > d.MaxStep || d.Len+Tn > d.Max {
		panic(fmt.Sprintf("llama: Decoder.Step: %d positions after %d (max step %d, max %d)", Tn, d.Len, d.MaxStep, d.Max))
	}
	B, N, C, t0 := d.B, d.B*Tn, c.Hidden, d.Len
	Tk := t0 + Tn
	for r := 0; r < B; r++ {
		for t := 0; t < Tn; t++ {
			i := r*Tn + t
			valid := mask == nil || mask[i] != 0
			d.stepMsk[i] = 0
			d.pos[i] = 0
			if valid {
				d.stepMsk[i] = 1
				d.pos[i] = d.next[r]
				d.next[r]++
			}
			d.mask[r*d.Max+t0+t] = d.stepMsk[i]
		}
	}
	pos := d.pos[:N]
	x := d.x.View(0, N, C)
	xn, res2, rstd := d.xn.View(0, N, C), d.res2.View(0, N, C), d.rstd.View(0, N)
	q, tq, k, v := d.q.View(0, N, c.QDim()), d.tq.View(0, N, c.QDim()), d.k.View(0, N, c.KVDim()), d.v.View(0, N, c.KVDim())
	att := d.att.View(0, N, c.QDim())
	gate, up, h := d.gate.View(0, N, c.Intermediate), d.up.View(0, N, c.Intermediate), d.h.View(0, N, c.Intermediate)
	probs := d.probs.View(0, c.Heads*Tn*Tk)
	kvC, qC := c.KVDim(), c.QDim()
	for l := 0; l < c.Layers; l++ {
		L := &m.Layers[l]
		b.RMSNormForward(xn, rstd, x, L.AttnNorm, c.NormEps)
		m.linear(tq, xn, nil, L.Q, l, ProjQ)
		b.RoPEForward(q, tq, m.cos, m.sin, pos, false)
		m.linear(k, xn, nil, L.K, l, ProjK) // k holds pre-RoPE keys, rotated into the cache below
		m.linear(v, xn, nil, L.V, l, ProjV)
		if Tn == 1 {
			d.attendOne(l, att, q, k, v, pos)
		} else {
			for r := 0; r < B; r++ {
				kr := d.kc[l].View((r*d.Max+t0)*kvC, Tn, kvC)
				vr := d.vc[l].View((r*d.Max+t0)*kvC, Tn, kvC)
				b.RoPEForward(kr, k.View(r*Tn*kvC, Tn, kvC), m.cos, m.sin, pos[r*Tn:(r+1)*Tn], false)
				b.Copy(vr, v.View(r*Tn*kvC, Tn, kvC))
				b.AttentionForward(att.View(r*Tn*qC, 1, Tn, qC), probs, q.View(r*Tn*qC, 1, Tn, qC),
					d.kc[l].View(r*d.Max*kvC, 1, Tk, kvC), d.vc[l].View(r*d.Max*kvC, 1, Tk, kvC),
					d.mask[r*d.Max:r*d.Max+Tk], c.Heads, c.KVHeads)
			}
		}
		m.linear(res2, att, nil, L.O, l, ProjO)
		b.Add(res2, res2, x)
		b.RMSNormForward(xn, rstd, res2, L.MLPNorm, c.NormEps)
		m.linear(gate, xn, nil, L.Gate, l, ProjGate)
		m.linear(up, xn, nil, L.Up, l, ProjUp)
		b.SwiGLUForward(h, gate, up)
		m.linear(x, h, nil, L.Down, l, ProjDown)
		b.Add(x, x, res2)
	}
	d.Len = Tk
	V := c.Vocab
	if allLogits {
		if d.allLogits == nil {
			d.allLogits = b.New(tensor.F32, d.Cap*d.MaxStep, V)
		}
		b.RMSNormForward(xn, rstd, x, m.Norm, c.NormEps)
		lg := d.allLogits.View(0, N, V)
		b.MatMul(lg, xn, m.Head, false, true, 0)
		return lg
	}
	// Last position of each row only.
	last := xn.View(0, B, C)
	for r := 0; r < B; r++ {
		b.Copy(res2.View(r*C, 1, C), x.View((r*Tn+Tn-1)*C, 1, C))
	}
	b.RMSNormForward(last, rstd.View(0, B), res2.View(0, B, C), m.Norm, c.NormEps)
	lg := d.logits.View(0, B, V)
	b.MatMul(lg, last, m.Head, false, true, 0)
	return lg
}

// attendOne is a decoding step's attention (one new position per row):
// the rows' new keys (rotated) and values go into the cache at position
// Len, then one attention call covers every row, each over all Max cache
// positions with the key mask (zero past the new position) doing the
// causality. A row's result is the same as over its first Len+1 keys
// alone: masked keys add nothing to the softmax or the product.
func (d *Decoder) attendOne(l int, att, q, k, v *tensor.Tensor, pos []int32) {
	m, b, c := d.m, d.m.Backend, d.m.Config
	B, kvC, qC := d.B, c.KVDim(), c.QDim()
	rows := d.cacheRows[:B]
	for r := range rows {
		rows[r] = int32(r*d.Max + d.Len)
	}
	rk := d.tq.View(0, B, kvC) // tq is free once q is rotated
	b.RoPEForward(rk, k, m.cos, m.sin, pos, false)
	b.ScatterRows(d.kc[l].View(0, B*d.Max, kvC), rk, rows)
	b.ScatterRows(d.vc[l].View(0, B*d.Max, kvC), v, rows)
	b.AttentionForward(att.View(0, B, 1, qC), d.probs.View(0, B*c.Heads*d.Max), q.View(0, B, 1, qC),
		d.kc[l].View(0, B, d.Max, kvC), d.vc[l].View(0, B, d.Max, kvC), d.mask[:B*d.Max], c.Heads, c.KVHeads)
}

// Reorder makes row i a copy of old row src[i] (cache, mask, positions):
// beam search's reshuffle. len(src) may differ from B, up to Cap: the
// decoder then has len(src) rows (finished beams drop out of the batch,
// new ones take free rows).
func (d *Decoder) Reorder(src []int) {
	if len(src) > d.Cap {
		panic(fmt.Sprintf("llama: Reorder: %d sources for %d rows", len(src), d.Cap))
	}
	for _, s := range src {
		if s < 0 || s >= d.B {
			panic(fmt.Sprintf("llama: Reorder: source row %d of %d", s, d.B))
		}
	}
	b, row := d.m.Backend, d.Max*d.m.Config.KVDim()
	ids := d.cacheRows[:len(src)]
	for i, s := range src {
		ids[i] = int32(s)
	}
	gathered := d.scratch.View(0, len(src), row)
	for _, cache := range [][]*tensor.Tensor{d.kc, d.vc} {
		for _, t := range cache {
			b.EmbeddingForward(gathered, t.View(0, d.B, row), ids) // a gather of whole rows
			b.Copy(t.View(0, len(src)*row), gathered.View(0, len(src)*row))
		}
	}
	oldMask := append([]int32(nil), d.mask[:d.B*d.Max]...)
	oldNext := append([]int32(nil), d.next[:d.B]...)
	for i, s := range src {
		copy(d.mask[i*d.Max:(i+1)*d.Max], oldMask[s*d.Max:(s+1)*d.Max])
		d.next[i] = oldNext[s]
	}
	d.B = len(src)
}

// CopyRowPadded copies row sr of src (same model, any Max) into row dr
// of d, right-aligned: d's positions [d.Len-src.Len, d.Len) get src's
// cache and the positions before it are masked padding, so prompts of
// different lengths decode side by side. An empty d takes length as its
// Len; otherwise d.Len must equal length. Row positions (RoPE) count
// valid tokens only, so a padded row computes what the unpadded one does.
func (d *Decoder) CopyRowPadded(dr int, src *Decoder, sr int, length int) {
	if d.Len == 0 {
		d.Len = length
	}
	if d.Len != length || src.Len > length || length > d.Max || dr >= d.Cap {
		panic(fmt.Sprintf("llama: CopyRowPadded: row %d of %d, %d positions into %d (Len %d, Max %d)", dr, d.Cap, src.Len, length, d.Len, d.Max))
	}
	b, kvC := d.m.Backend, d.m.Config.KVDim()
	pad := length - src.Len
	n := src.Len * kvC
	for l := range d.kc {
		for _, c := range [][2]*tensor.Tensor{{d.kc[l], src.kc[l]}, {d.vc[l], src.vc[l]}} {
			if pad > 0 {
				b.Fill(c[0].View(dr*d.Max*kvC, pad*kvC), 0)
			}
			if n > 0 {
				b.Copy(c[0].View((dr*d.Max+pad)*kvC, n), c[1].View(sr*src.Max*kvC, n))
			}
		}
	}
	row := d.mask[dr*d.Max : (dr+1)*d.Max]
	clear(row)
	copy(row[pad:], src.mask[sr*src.Max:sr*src.Max+src.Len])
	d.next[dr] = src.next[sr]
}

// CopyRow copies row sr of src (same model, same Max) into row dr of d,
// which must be empty or hold as many positions (used to broadcast a
// prefilled prompt to every beam).
func (d *Decoder) CopyRow(dr int, src *Decoder, sr int) {
	if d.Len == 0 {
		d.Len = src.Len
	}
	if src.Max != d.Max || src.Len != d.Len {
		panic("llama: CopyRow: decoders differ in Max or Len")
	}
	b, kvC := d.m.Backend, d.m.Config.KVDim()
	n := d.Len * kvC
	for l := range d.kc {
		b.Copy(d.kc[l].View(dr*d.Max*kvC, n), src.kc[l].View(sr*d.Max*kvC, n))
		b.Copy(d.vc[l].View(dr*d.Max*kvC, n), src.vc[l].View(sr*d.Max*kvC, n))
	}
	copy(d.mask[dr*d.Max:(dr+1)*d.Max], src.mask[sr*d.Max:(sr+1)*d.Max])
	d.next[dr] = src.next[sr]
}
