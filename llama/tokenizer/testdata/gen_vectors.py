#!/usr/bin/python3
"""Writes vectors.json: SentencePiece encodings and decodings that the Go
tokenizer must reproduce exactly.

Run by hand from the repository root (needs Debian's python3-sentencepiece and
the reference models in ../shared/models, which are never committed):

    /usr/bin/python3 llama/tokenizer/testdata/gen_vectors.py

The strings below are written here (or drawn from a fixed-seed RNG); the
output holds only those strings, ids and decoded text.
"""
import json
import os
import random
import sys

import sentencepiece as spm

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
MODELS = os.path.join(ROOT, "..", "shared", "models")
OUT = os.path.join(HERE, "vectors.json")

# Model files relative to ../shared/models.
MODEL_FILES = ["stories260K/tok512.model", "llama2-tokenizer/tokenizer.model"]


def handwritten():
    s = [
        "",
        " ",
        "  ",
        "   ",
        "\t",
        "\n",
        "\n\n",
        " \n ",
        "a",
        " a",
        "a ",
        "  a  ",
        "hello world",
        "hello  world",
        "hello     world",
        "   leading spaces",
        "trailing spaces   ",
        "  both ends  ",
        "tab\tseparated\tvalues",
        "\ttab first",
        "line one\nline two\n",
        "windows\r\nline end",
        "mixed \t \n whitespace",
        "Once upon a time, there was a little girl named Lily.",
        "The quick brown fox jumps over the lazy dog.",
        "0123456789",
        "3.14159 2.71828 1e-6 -42 +7",
        "12345678901234567890",
        "héllo wörld çà ñ",
        "Ελληνικά και русский текст",
        "日本語のテキストです。",
        "中文分词测试",
        "한국어 텍스트",
        "emoji 🦙🚀👍🏽 end",
        "🦙",
        "👨‍👩‍👧‍👦 family",
        "math: ∑ ∫ √ ≤ ≥ ≠ ∞",
        "quotes “like this” and ‘this’ — dash … ellipsis",
        "zero\u200bwidth space",
        "nbsp\u00a0between",
        "ideographic\u3000space",
        "▁ already a block",
        "<s> not a control </s> <unk> <0x0A>",
        "HTML <b>bold</b> &amp; entities",
        "code: for i := 0; i < n; i++ { x[i] = y[i] * 2 }",
        "a\u0301 combining accent",
        "UPPER lower MiXeD",
        "repeated!!!!!??? ...",
        "tab\t\t\tdeep",
        "x" * 50,
        " ".join(["word"] * 30),
    ]
    return s


def openp5():
    """Prompt shapes of the OpenP5 sequential and straightforward tasks."""
    out = []
    hist = lambda ids: " , ".join("item_%d" % i for i in ids)
    for ds, user, items, target in [
        ("Beauty", 123, [1001, 1002, 1003], 1234),
        ("LastFM", 7, [1001], 4646),
        ("ML1M", 6040, [1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009, 1010], 3952),
    ]:
        h = hist(items)
        out += [
            "%s user_%d has purchased %s items %s , predict next possible item to be bought by the user ?" % (ds, user, ds, h),
            "Considering %s user_%d has interacted with %s items %s . What is the next recommendation for the user ?" % (ds, user, ds, h),
            "Here is the purchase history of %s user_%d : %s items %s . What to recommend next for the user ?" % (ds, user, ds, h),
            "What is the next item to recommend for %s user_%d ?" % (ds, user),
            "%s user_%d has interacted with %s items %s . Response: " % (ds, user, ds, h),
            "%s item_%d" % (ds, target),
            "item_%d" % target,
            "user_%d" % user,
        ]
    out += [
        "Beauty user_123 has purchased Beauty items item_1001 , item_1002 , item_1003, predict next possible item to be bought by the user ?",
        "Beauty user_123 has purchased Beauty items item_1001 , item_1002 , item_1003, predict next possible item to be bought by the user ? Response: ",
        "Beauty item_1234",
        " Beauty item_1234",
        "Response: Beauty item_1234",
    ]
    return out


def randomized(n=20, seed=20240501):
    rng = random.Random(seed)
    alphabet = list("abcdefghijklmnopqrstuvwxyz ABCXYZ0123456789_,.?!:;'\"-") + [
        " ", " ", "  ", "\n", "\t", "é", "ß", "中", "文", "🙂", "▁", "item_", "user_", "Beauty ",
    ]
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))) for _ in range(n)]


def decode_cases(sp, seed):
    """Id sequences exercising control, unknown and byte pieces in decoding."""
    rng = random.Random(seed)
    v = sp.get_piece_size()
    bos, eos, unk = sp.bos_id(), sp.eos_id(), sp.unk_id()
    byte = lambda b: sp.piece_to_id("<0x%02X>" % b)
    word = sp.encode("hello world")
    cases = [
        [],
        [bos],
        [bos] + word,
        [bos] + word + [eos],
        word + [bos] + word,
        [unk],
        word + [unk] + word,
        [byte(0xE4), byte(0xB8), byte(0x96)],
        [byte(0xE4), byte(0xB8)] + word,
        [byte(0xFF), byte(0x41)],
        [byte(0x20)] + word,
        [bos, byte(0x20)] + word,
        sp.encode(" leading space") ,
        [bos] + sp.encode("  two spaces"),
    ]
    for _ in range(10):
        cases.append([rng.randrange(v) for _ in range(rng.randint(1, 12))])
    return cases


def main():
    strings = handwritten() + openp5() + randomized()
    doc = {
        "generator": "llama/tokenizer/testdata/gen_vectors.py",
        "regenerate": "/usr/bin/python3 llama/tokenizer/testdata/gen_vectors.py",
        "sentencepiece_version": spm.__version__,
        "models": [],
    }
    for i, rel in enumerate(MODEL_FILES):
        path = os.path.join(MODELS, rel)
        sp = spm.SentencePieceProcessor(model_file=path)
        cases = []
        for s in strings:
            ids = sp.encode(s)
            cases.append({"text": s, "ids": ids, "decoded": sp.decode(ids)})
        dec = [{"ids": ids, "text": sp.decode(ids)} for ids in decode_cases(sp, 7 + i)]
        doc["models"].append({"model": rel, "vocab_size": sp.get_piece_size(), "encode": cases, "decode": dec})
    # One case per line keeps diffs of the committed file readable.
    enc = lambda x: json.dumps(x, ensure_ascii=False)
    lines = ["{"]
    for k in ("generator", "regenerate", "sentencepiece_version"):
        lines.append(" %s: %s," % (enc(k), enc(doc[k])))
    lines.append(' "models": [')
    for mi, m in enumerate(doc["models"]):
        lines.append("  {")
        lines.append('   "model": %s, "vocab_size": %d,' % (enc(m["model"]), m["vocab_size"]))
        for key in ("encode", "decode"):
            lines.append('   "%s": [' % key)
            lines.append(",\n".join("    " + enc(c) for c in m[key]))
            lines.append("   ]" + ("," if key == "encode" else ""))
        lines.append("  }" + ("," if mi + 1 < len(doc["models"]) else ""))
    lines.append(" ]")
    lines.append("}")
    with open(OUT, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote %s: %d strings x %d models" % (OUT, len(strings), len(MODEL_FILES)), file=sys.stderr)


if __name__ == "__main__":
    main()
