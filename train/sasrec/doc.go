// Package sasrec is the classic next-item baseline built on the same
// engine, split and protocol as the recommender: a SASRec-style causal
// transformer (the llama package's blocks, RoPE positions, tied input and
// output item embeddings) with one token per item, trained with
// full-softmax cross-entropy at every position of each user's training
// sequence, and evaluated by ranking the whole catalogue at the last
// position (with or without the user's training items excluded).
//
// Tokens: 0 is padding; item index i is token i+1. Sequences are
// left-padded, so the last position of every row is T-1.
//
// A run directory holds sasrec.json (the configuration and the data it was
// trained on), metrics.jsonl (one line per epoch: loss, time and, on
// validation epochs, HR@10 and NDCG@10 on the validation users),
// state.safetensors (weights, AdamW moments and the epoch: what --resume
// continues from) and best.safetensors (the weights of the best validation
// epoch, which evaluation uses).
package sasrec
