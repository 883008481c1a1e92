// Package cf holds the collaborative-filtering side of the OpenP5 protocol
// that does not need an LLM: the training-split interaction matrix that WALS
// is fitted on, the baselines (popularity; WALS factors ranked by dot
// product, straightforward and sequential), and their full-catalogue
// evaluation with HR@k / NDCG@k.
//
// Baselines:
//
//	pop       score(i) = number of training interactions of item i
//	mf        score(i) = x_u·y_i (the straightforward task: user only)
//	mf-seq    score(i) = (x_u/|x_u| + β·m/|m|)·y_i, m = mean of the last L
//	          history item vectors
//
// mf-seq is the sequential-task variant: the history items enter through
// their WALS item vectors (as they enter the LLM through the item projector),
// averaged so that long and short histories weigh the same, and both parts
// unit-normalised so that β is a scale-free mixing weight. β = 0 is mf; L
// defaults to OpenP5's history length, 10; L = 1 uses the last item only. β
// and L are hyper-parameters chosen on the validation split.
//
// Evaluation ranks every item of the catalogue for every user of a split;
// with Exclude set, the user's training items (seq[:-2]) are removed from
// the ranking (and a held-out item that is also a training item counts as a
// miss; the number of such users is reported).
package cf
