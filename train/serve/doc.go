// Package serve is embrec's recommendation service: an Engine that turns
// requests (a user, optionally a history, k) into prompts and decodes a
// batch of them with one batched, trie-constrained beam search; a Batcher
// that gathers concurrent requests (up to MaxBatch, waiting at most
// MaxWait) from a bounded queue into those batches, one worker goroutine
// per Engine (replicas of the run, each driving its own backend); and an
// http.Handler with POST /v1/recommend,
// GET /healthz, /v1/info and /metrics (Prometheus).
//
// Answers do not depend on batching: the Engine puts a backend that
// supports it in batch-invariant mode (tensor.BatchInvariant), so a request
// gets the same items and scores alone or among others, and the same as
// `embrec recommend`, which runs through the same Engine.
//
// The package takes options, never the environment; cmd/embrec maps flags
// onto them.
package serve
