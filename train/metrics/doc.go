// Package metrics scores ranked recommendations against one held-out item
// per user, as in the OpenP5 protocol: hit rate HR@k (1 if the item is in
// the top k) and NDCG@k (1/log2(rank+1) if it is, else 0; with a single
// relevant item the ideal DCG is 1), averaged over all users of a split.
//
// Ranks are 1-based; rank 0 means "not ranked" (the item was excluded, or
// the ranker did not return it). Ranking over a full catalogue of scores
// breaks ties by item index (lower index first), the same in Rank and TopK,
// so a metric never depends on sort stability.
package metrics
