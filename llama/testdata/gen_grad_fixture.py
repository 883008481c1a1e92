#!/usr/bin/python3
"""Generate the gradient fixture of embrec/llama (run by hand, not in CI).

    cd llama/testdata && /usr/bin/python3 gen_grad_fixture.py

Builds a small random LLaMA in plain PyTorch (written out here with HF
LlamaForCausalLM semantics: RMSNorm, rotate-half RoPE, GQA, SwiGLU, untied
lm_head), with shapes unlike stories260K: C 120, 6 heads of 20 over 2
key/value heads, H 96, 2 layers, V 97. Writes

  grad_fixture/config.json, grad_fixture/model.safetensors
      the weights: matrices BF16 (v_proj F16), norm weights F32; the
      reference computes with exactly these values, so the dtype paths of the
      loader are exercised without changing the numbers;
  grad_expected.safetensors
      ids, mask, targets (I32), and in F32 (computed in float64, rounded
      once): logits (B, T, V), loss (1), dinputs (B, T, C) = d loss / d input
      embeddings, and grad.<name> for several weights.

Batch: B 2, T 10; row 1 is left-padded by 3; some targets are -100. The
loss is HF's: mean cross-entropy over targets != -100.
Needs only torch (Debian's python3-torch 1.13); safetensors are packed by
hand below.
"""
import json
import os
import struct

import torch

torch.manual_seed(20240607)
D = torch.float64
C, NH, NKV, HS, H, L, V = 120, 6, 2, 20, 96, 2, 97
EPS, THETA, MAXPOS = 1e-6, 10000.0, 64
B, T = 2, 10


def bf16(x):
    return x.to(torch.bfloat16).to(D)


def f16(x):
    return x.to(torch.float16).to(D)


# ---- weights (HF names, (out, in) layout) ----
W, DT = {}, {}


def mat(name, out, inn, std=0.08, rnd=bf16, dt="BF16"):
    W[name] = rnd(torch.randn(out, inn, dtype=D) * std)
    DT[name] = dt


def norm(name):
    W[name] = (1 + 0.1 * torch.randn(C, dtype=D)).to(torch.float32).to(D)
    DT[name] = "F32"


mat("model.embed_tokens.weight", V, C, std=0.5)
for l in range(L):
    p = f"model.layers.{l}."
    norm(p + "input_layernorm.weight")
    mat(p + "self_attn.q_proj.weight", NH * HS, C)
    mat(p + "self_attn.k_proj.weight", NKV * HS, C)
    mat(p + "self_attn.v_proj.weight", NKV * HS, C, rnd=f16, dt="F16")
    mat(p + "self_attn.o_proj.weight", C, NH * HS)
    norm(p + "post_attention_layernorm.weight")
    mat(p + "mlp.gate_proj.weight", H, C)
    mat(p + "mlp.up_proj.weight", H, C)
    mat(p + "mlp.down_proj.weight", C, H)
norm("model.norm.weight")
mat("lm_head.weight", V, C)
for t in W.values():
    t.requires_grad_(True)

# ---- batch ----
ids = torch.randint(3, V, (B, T))
ids[:, 0] = 1
mask = torch.ones(B, T, dtype=torch.int64)
mask[1, :3] = 0
ids[1, :3] = 0
ids[1, 3] = 1
targets = torch.full((B, T), -100, dtype=torch.int64)
targets[:, :-1] = ids[:, 1:]
targets[mask == 0] = -100
targets[1, 2] = -100
targets[0, 4] = -100
targets[0, 7] = -100


def rmsnorm(x, w):
    return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + EPS))


def rope(x, pos):  # x (B, heads, T, HS), rotate-half
    inv = (1.0 / THETA ** (torch.arange(0, HS, 2, dtype=torch.float32) / HS)).to(D)
    ang = pos.to(D)[..., None] * inv  # (B, T, HS/2)
    cos = torch.cat([ang.cos(), ang.cos()], -1)[:, None]
    sin = torch.cat([ang.sin(), ang.sin()], -1)[:, None]
    x1, x2 = x[..., : HS // 2], x[..., HS // 2:]
    return x * cos + torch.cat([-x2, x1], -1) * sin


def forward(x):
    pos = (mask.cumsum(-1) - 1).clamp(min=0)
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
    allowed = causal[None] & (mask[:, None, :] != 0)  # (B, Tq, Tk)
    for l in range(L):
        p = f"model.layers.{l}."
        h = rmsnorm(x, W[p + "input_layernorm.weight"])
        q = (h @ W[p + "self_attn.q_proj.weight"].T).view(B, T, NH, HS).transpose(1, 2)
        k = (h @ W[p + "self_attn.k_proj.weight"].T).view(B, T, NKV, HS).transpose(1, 2)
        v = (h @ W[p + "self_attn.v_proj.weight"].T).view(B, T, NKV, HS).transpose(1, 2)
        q, k = rope(q, pos), rope(k, pos)
        k = k.repeat_interleave(NH // NKV, dim=1)
        v = v.repeat_interleave(NH // NKV, dim=1)
        s = (q @ k.transpose(-1, -2)) / HS ** 0.5
        s = s.masked_fill(~allowed[:, None], float("-inf"))
        a = torch.nan_to_num(torch.softmax(s, -1))  # a query with no key: zeros
        o = (a @ v).transpose(1, 2).reshape(B, T, NH * HS)
        x = x + o @ W[p + "self_attn.o_proj.weight"].T
        h = rmsnorm(x, W[p + "post_attention_layernorm.weight"])
        g = h @ W[p + "mlp.gate_proj.weight"].T
        u = h @ W[p + "mlp.up_proj.weight"].T
        x = x + (torch.nn.functional.silu(g) * u) @ W[p + "mlp.down_proj.weight"].T
    return rmsnorm(x, W["model.norm.weight"]) @ W["lm_head.weight"].T


inputs = W["model.embed_tokens.weight"][ids]
inputs.retain_grad()
logits = forward(inputs)
loss = torch.nn.functional.cross_entropy(logits.view(-1, V), targets.view(-1), ignore_index=-100)
loss.backward()

# A selection, to keep the fixture small (every weight gradient shares the
# code paths of these: linear, RMSNorm, attention with RoPE, SwiGLU, head).
GRADS = ["model.layers.1.self_attn.k_proj.weight", "model.layers.0.self_attn.v_proj.weight",
         "model.layers.0.mlp.down_proj.weight", "model.layers.1.mlp.gate_proj.weight",
         "model.layers.0.input_layernorm.weight", "model.layers.1.post_attention_layernorm.weight",
         "model.norm.weight", "lm_head.weight"]


def pack(t, dt):
    t = t.detach()
    if dt == "F32":
        return t.to(torch.float32).contiguous().numpy().tobytes()
    if dt == "I32":
        return t.to(torch.int32).contiguous().numpy().tobytes()
    if dt == "F16":
        return t.to(torch.float16).contiguous().numpy().tobytes()
    if dt == "BF16":  # numpy has no bfloat16: take the top half of float32
        u = t.to(torch.bfloat16).to(torch.float32).contiguous().view(torch.int32)
        return (u >> 16).to(torch.int16).numpy().tobytes()
    raise ValueError(dt)


def write_safetensors(path, items, meta):
    hdr, blobs, off = {"__metadata__": meta}, [], 0
    for name in sorted(items):
        t, dt = items[name]
        b = pack(t, dt)
        hdr[name] = {"dtype": dt, "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(hdr, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


here = os.path.dirname(os.path.abspath(__file__))
os.makedirs(os.path.join(here, "grad_fixture"), exist_ok=True)
with open(os.path.join(here, "grad_fixture", "config.json"), "w") as f:
    json.dump({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_act": "silu",
               "hidden_size": C, "intermediate_size": H, "num_hidden_layers": L,
               "num_attention_heads": NH, "num_key_value_heads": NKV, "vocab_size": V,
               "max_position_embeddings": MAXPOS, "rms_norm_eps": EPS, "rope_theta": THETA,
               "tie_word_embeddings": False, "bos_token_id": 1, "eos_token_id": 2,
               "torch_dtype": "bfloat16"}, f, indent=2)
meta = {"generator": "llama/testdata/gen_grad_fixture.py", "torch": torch.__version__}
write_safetensors(os.path.join(here, "grad_fixture", "model.safetensors"),
                  {n: (W[n], DT[n]) for n in W}, meta)
exp = {"ids": (ids, "I32"), "mask": (mask, "I32"), "targets": (targets, "I32"),
       "logits": (logits, "F32"), "loss": (loss.reshape(1), "F32"), "dinputs": (inputs.grad, "F32")}
for n in GRADS:
    exp["grad." + n] = (W[n].grad, "F32")
write_safetensors(os.path.join(here, "grad_expected.safetensors"), exp, meta)
print("loss", loss.item())
