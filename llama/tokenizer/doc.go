// Package tokenizer turns text into LLaMA token ids and back, reading either
// a SentencePiece tokenizer.model or an HF tokenizer.json, in pure Go.
//
// # Formats
//
// SentencePiece tokenizer.model (a protobuf ModelProto, parsed from the wire
// format by hand in proto.go and spmodel.go):
//
//   - model_type BPE. UNIGRAM, WORD and CHAR models are rejected with an
//     error naming the file.
//   - pieces of every type: NORMAL, UNKNOWN, CONTROL, USER_DEFINED (matched
//     longest-first in the text and never merged), UNUSED (merged through,
//     then re-split into the pair that formed it, as SentencePiece does) and
//     BYTE (<0xNN>, used when byte_fallback is set).
//   - trainer_spec: model_type, byte_fallback, unk/bos/eos/pad ids,
//     unk_surface (what <unk> decodes to). treat_whitespace_as_suffix is
//     rejected.
//   - normalizer_spec: add_dummy_prefix, remove_extra_whitespaces and
//     escape_whitespaces, applied exactly as SentencePiece's normalizer does
//     when there is no character map: the "identity" normalizer, which is what
//     LLaMA-family models use. A non-empty precompiled_charsmap (nmt_nfkc and
//     other normalization rules) is rejected with an error; no Unicode
//     normalization is done. Invalid UTF-8 becomes U+FFFD, one per byte.
//
// HF tokenizer.json (encoding/json; hfjson.go, bpe_rank.go): a BPE model with
// vocab and merges (merged in order of merge rank, not by score),
// byte_fallback, fuse_unk, unk_token; the normalizer Sequence
// [Prepend("▁"), Replace(" ", "▁")] that LLaMA conversions use; no
// pre-tokenizer; added tokens split out of the text first (non-normalized
// ones in the raw text, normalized ones in the normalized text, as HF does;
// so "x</s>y" encodes </s> as EOS while SentencePiece would spell it out).
// Other normalizers, pre-tokenizers, BPE dropout and subword prefixes are
// rejected. BOS and EOS are the pieces "<s>" and "</s>", PAD "[PAD]" or
// "<pad>"; special added tokens count as CONTROL pieces.
//
// # Encoding
//
// Encode follows SentencePiece's BPE: the normalized text (spaces as U+2581
// "▁", a dummy "▁" in front) is split into characters; the adjacent pair whose
// concatenation is a piece with the highest score is merged, the leftmost on
// ties, until no pair is a piece; each remaining segment becomes its id or,
// if it is not a piece, its UTF-8 bytes as <0xNN> pieces (byte fallback) or
// <unk>. Text that spells a control piece ("<s>") is not the control piece.
// Encode never adds BOS or EOS; EncodeBOS puts BOS first.
//
// Decode reverses this: control pieces vanish, <unk> becomes the unk surface
// (" ⁇ " by default), consecutive byte pieces are reassembled as UTF-8 (an
// invalid byte becomes U+FFFD), "▁" becomes a space, and the dummy-prefix
// space of the first visible piece is removed. For tokenizer.json files the
// same rules apply, which differs from HF's decoder only in that special
// tokens are never printed.
//
// # Prompts with placeholders
//
// EncodeSegments encodes a prompt made of text segments and placeholders,
// each placeholder taking exactly one position (where the recommendation
// method feeds a projected user or item vector). Its doc comment states how
// the dummy prefix and spaces at segment boundaries are handled.
//
// # Verification
//
// testdata/vectors.json holds python3-sentencepiece 0.1.97's ids and decoded
// text for 100 strings with both tok512.model (stories260K) and the 32000-piece
// LLaMA-2 tokenizer.model, plus decode-only id sequences; the tests require an
// exact match (regenerate with /usr/bin/python3
// llama/tokenizer/testdata/gen_vectors.py). There is no HF reference here:
// the rank-BPE path is checked by converting the LLaMA-2 model to a
// tokenizer.json in memory (merges ranked by score) and matching the same
// vectors, and OpenLLaMA's tokenizer.json by hand-checked encodings, the BPE
// fixpoint property and round trips. Note that OpenLLaMA v1's original
// SentencePiece model is reported to collapse runs of spaces; its
// tokenizer.json, and therefore this package, does not.
//
// Tests that need the reference files read ../shared (beside the module
// root) and skip when it is absent.
package tokenizer
