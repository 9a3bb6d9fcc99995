#!/usr/bin/env python3
"""Golden outputs for the engine parity tests, computed independently of the TypeScript engine.

Reads the tiny fixture models (and ../shared/models/stories260k when present), runs the forward
pass in float64 with plain torch ops (HF semantics: RMSNorm, rotate-half RoPE, GQA, SwiGLU,
Qwen3 q_norm/k_norm, Qwen2 qkv bias), and writes test/fixtures/engine/golden-<name>.json with the
logits and final-norm hidden states of every position of a few token sequences. It also runs the
sequences as one right-padded batch with an attention mask and checks that the padded rows equal
the single-sequence results, so the golden "batch" is the unpadded truth.

Run with /usr/bin/python3 (torch + numpy): python3 scripts/golden/engine_golden.py
"""
import json, os, struct, sys
import numpy as np
import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
FIX = os.path.join(ROOT, "test", "fixtures", "engine")


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        s, t = e["data_offsets"]
        assert e["dtype"] == "F32", e["dtype"]
        arr = np.frombuffer(data[s:t], dtype="<f4").reshape(e["shape"])
        out[name] = torch.from_numpy(arr.astype(np.float64))
    return out


def rmsnorm(x, w, eps):
    return x * torch.rsqrt((x * x).mean(-1, keepdim=True) + eps) * w


def inv_freq(D, theta, scaling):
    """theta^(-2d/D), scaled as transformers' rope_scaling "linear" / "llama3" define it."""
    inv = 1.0 / (theta ** (torch.arange(0, D, 2, dtype=torch.float64) / D))
    if not scaling or scaling.get("rope_type", scaling.get("type")) == "default":
        return inv
    kind = scaling.get("rope_type", scaling.get("type"))
    if kind == "linear":
        return inv / scaling["factor"]
    assert kind == "llama3", kind
    factor, lo, hi = scaling["factor"], scaling["low_freq_factor"], scaling["high_freq_factor"]
    old = scaling["original_max_position_embeddings"]
    out = []
    for f in inv.tolist():
        wavelen = 2 * np.pi / f
        if wavelen < old / hi:
            out.append(f)
        elif wavelen > old / lo:
            out.append(f / factor)
        else:
            smooth = (old / wavelen - lo) / (hi - lo)
            out.append((1 - smooth) * f / factor + smooth * f)
    return torch.tensor(out, dtype=torch.float64)


def rope(x, positions, theta, scaling=None):
    # x: (B, heads, T, D); positions: (B, T)
    D = x.shape[-1]
    inv = inv_freq(D, theta, scaling)
    ang = positions[:, None, :, None].double() * inv  # (B,1,T,D/2)
    cos = torch.cat([ang.cos(), ang.cos()], -1)
    sin = torch.cat([ang.sin(), ang.sin()], -1)
    x1, x2 = x[..., : D // 2], x[..., D // 2 :]
    rot = torch.cat([-x2, x1], -1)
    return x * cos + rot * sin


def forward(cfg, W, ids, mask):
    """ids, mask: (B, T) right-padded; returns logits (B,T,V), hidden after final norm (B,T,C)."""
    arch = cfg["model_type"]
    C = cfg["hidden_size"]; H = cfg["num_attention_heads"]; KV = cfg["num_key_value_heads"]
    D = cfg.get("head_dim") or C // H
    eps = cfg["rms_norm_eps"]; theta = cfg["rope_theta"]
    B, T = ids.shape
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    x = W["model.embed_tokens.weight"][ids]
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
    allowed = causal[None, None] & mask.bool()[:, None, None, :]
    for l in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{l}."
        h = rmsnorm(x, W[p + "input_layernorm.weight"], eps)
        def lin(name, inp):
            y = inp @ W[p + name + ".weight"].T
            if (p + name + ".bias") in W:
                y = y + W[p + name + ".bias"]
            return y
        q = lin("self_attn.q_proj", h).view(B, T, H, D).transpose(1, 2)
        k = lin("self_attn.k_proj", h).view(B, T, KV, D).transpose(1, 2)
        v = lin("self_attn.v_proj", h).view(B, T, KV, D).transpose(1, 2)
        if arch == "qwen3":
            q = rmsnorm(q, W[p + "self_attn.q_norm.weight"], eps)
            k = rmsnorm(k, W[p + "self_attn.k_norm.weight"], eps)
        q = rope(q, positions, theta, cfg.get("rope_scaling"))
        k = rope(k, positions, theta, cfg.get("rope_scaling"))
        k = k.repeat_interleave(H // KV, dim=1)
        v = v.repeat_interleave(H // KV, dim=1)
        s = (q @ k.transpose(-1, -2)) / (D ** 0.5)
        s = s.masked_fill(~allowed, float("-inf"))
        a = torch.softmax(s, -1)
        a = torch.nan_to_num(a, nan=0.0)
        o = (a @ v).transpose(1, 2).reshape(B, T, H * D)
        x = x + lin("self_attn.o_proj", o)
        h = rmsnorm(x, W[p + "post_attention_layernorm.weight"], eps)
        g = lin("mlp.gate_proj", h)
        u = lin("mlp.up_proj", h)
        x = x + lin("mlp.down_proj", torch.nn.functional.silu(g) * u)
    hidden = rmsnorm(x, W["model.norm.weight"], eps)
    head = W["lm_head.weight"] if "lm_head.weight" in W else W["model.embed_tokens.weight"]
    return hidden @ head.T, hidden


def golden(name, model_dir, seqs, overrides=None):
    """overrides: config.json fields the test patches in (e.g. rope_scaling) on a copy of the model."""
    cfg = json.load(open(os.path.join(model_dir, "config.json")))
    cfg.update(overrides or {})
    W = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    rows = []
    for s in seqs:
        ids = torch.tensor([s]); mask = torch.ones_like(ids)
        logits, hidden = forward(cfg, W, ids, mask)
        rows.append({"ids": s, "logits": logits[0].tolist(), "hidden": hidden[0].tolist()})
    # The same sequences as one right-padded batch must give the same numbers at real positions.
    T = max(len(s) for s in seqs)
    ids = torch.tensor([s + [0] * (T - len(s)) for s in seqs])
    mask = torch.tensor([[1] * len(s) + [0] * (T - len(s)) for s in seqs])
    logits, _ = forward(cfg, W, ids, mask)
    for i, s in enumerate(seqs):
        diff = (logits[i, : len(s)] - torch.tensor(rows[i]["logits"], dtype=torch.float64)).abs().max().item()
        assert diff < 1e-9, f"{name}: padded batch row {i} differs by {diff}"
    out = os.path.join(FIX, f"golden-{name}.json")
    with open(out, "w") as f:
        json.dump({"model": os.path.relpath(model_dir, ROOT), "configOverrides": overrides or {}, "dtype": "float64", "rows": rows},
                  f, separators=(",", ":"), default=float)
    # Round to keep the files small: 7 significant digits is far below the 1e-4 test tolerance.
    with open(out) as f:
        text = f.read()
    data = json.loads(text)
    for r in data["rows"]:
        r["logits"] = [[float(f"{v:.7g}") for v in row] for row in r["logits"]]
        r["hidden"] = [[float(f"{v:.7g}") for v in row] for row in r["hidden"]]
    with open(out, "w") as f:
        json.dump(data, f, separators=(",", ":"))
    print("wrote", out)


if __name__ == "__main__":
    rng = np.random.default_rng(7)
    def seq(n, V, first=None):
        s = rng.integers(0, V, n).tolist()
        if first is not None:
            s[0] = first
        return s
    golden("tiny-qwen3", os.path.join(FIX, "tiny-qwen3"), [seq(7, 512), seq(3, 512), seq(40, 512), seq(1, 512)])
    golden("tiny-qwen2", os.path.join(FIX, "tiny-qwen2"), [seq(9, 320), seq(4, 320)])
    golden("tiny-llama", os.path.join(FIX, "tiny-llama"), [seq(6, 512), seq(11, 512)])
    golden("tiny-llama-rope-llama3", os.path.join(FIX, "tiny-llama"), [seq(40, 512)],
           {"rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                             "original_max_position_embeddings": 64}})
    golden("tiny-llama-rope-linear", os.path.join(FIX, "tiny-llama"), [seq(20, 512)],
           {"rope_scaling": {"type": "linear", "factor": 4.0}})
    stories = os.path.join(ROOT, "..", "shared", "models", "stories260k")
    if os.path.exists(stories):
        golden("stories260k", stories, [seq(12, 512, first=1), seq(5, 512, first=1)])
    # Its own generator, so adding this case leaves the sequences of the others unchanged.
    rng_hd = np.random.default_rng(14)
    golden("tiny-llama-hd", os.path.join(FIX, "tiny-llama-hd"), [rng_hd.integers(0, 256, n).tolist() for n in (9, 17, 2)])
