#!/usr/bin/env python3
"""PyTorch golden files for t1's training core (run with Debian's /usr/bin/python3 + torch 1.13).

Builds a tiny Qwen3 in plain torch -- written from the architecture, independent of the TypeScript:
embedding, RMSNorm, q/k/v/o projections, per-head q_norm/k_norm, rotate-half RoPE, causal GQA
attention with a padding mask, SwiGLU MLP, final norm, tied lm_head -- and writes:

  test/fixtures/train/tiny-qwen3/{config.json, model.safetensors}   the weights (seeded)
  test/fixtures/train/golden/batch.json      the batch and objective
  test/fixtures/train/golden/golden.json     losses, grad norm, 5 AdamW steps' losses
  test/fixtures/train/golden/golden.safetensors  logits and every parameter's gradient

The reference runs in float64 so the golden values are the exact answer; the TS (float32) must
match within rtol 1e-4 / atol 1e-5. CI only reads the committed outputs.

Usage: /usr/bin/python3 scripts/golden/train_golden.py
"""
import json, math, os, struct
import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
FIX = os.path.join(ROOT, "test", "fixtures", "train")
torch.manual_seed(1234)

CFG = dict(model_type="qwen3", architectures=["Qwen3ForCausalLM"], vocab_size=64, hidden_size=32,
           intermediate_size=48, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
           head_dim=8, rms_norm_eps=1e-6, rope_theta=10000.0, max_position_embeddings=64,
           tie_word_embeddings=True, attention_bias=False, hidden_act="silu", torch_dtype="float32")
V, C, F, L = CFG["vocab_size"], CFG["hidden_size"], CFG["intermediate_size"], CFG["num_hidden_layers"]
H, KV, D = CFG["num_attention_heads"], CFG["num_key_value_heads"], CFG["head_dim"]
EPS, THETA = CFG["rms_norm_eps"], CFG["rope_theta"]
EMB = V - 1  # the <emb_token> id in this fixture


def write_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().to(torch.float32).contiguous()
        b = t.numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - (8 + len(h)) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
    os.replace(tmp, path)


def make_weights():
    w = {"model.embed_tokens.weight": torch.randn(V, C) * 0.5, "model.norm.weight": 1 + 0.1 * torch.randn(C)}
    for l in range(L):
        p = f"model.layers.{l}."
        w[p + "input_layernorm.weight"] = 1 + 0.1 * torch.randn(C)
        w[p + "post_attention_layernorm.weight"] = 1 + 0.1 * torch.randn(C)
        w[p + "self_attn.q_proj.weight"] = torch.randn(H * D, C) * 0.2
        w[p + "self_attn.k_proj.weight"] = torch.randn(KV * D, C) * 0.2
        w[p + "self_attn.v_proj.weight"] = torch.randn(KV * D, C) * 0.2
        w[p + "self_attn.o_proj.weight"] = torch.randn(C, H * D) * 0.2
        w[p + "self_attn.q_norm.weight"] = 1 + 0.1 * torch.randn(D)
        w[p + "self_attn.k_norm.weight"] = 1 + 0.1 * torch.randn(D)
        w[p + "mlp.gate_proj.weight"] = torch.randn(F, C) * 0.2
        w[p + "mlp.up_proj.weight"] = torch.randn(F, C) * 0.2
        w[p + "mlp.down_proj.weight"] = torch.randn(C, F) * 0.2
    return {k: v.to(torch.float32) for k, v in w.items()}


def rmsnorm(x, w):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + EPS) * w


def rope_cos_sin(T):
    inv_freq = 1.0 / (THETA ** (torch.arange(0, D, 2, dtype=torch.int64).float() / D))  # float32 as HF
    ang = torch.arange(T, dtype=torch.float32)[:, None] * inv_freq[None, :]
    emb = torch.cat([ang, ang], dim=-1)
    return emb.cos().double(), emb.sin().double()


def rotate_half(x):
    return torch.cat([-x[..., D // 2:], x[..., : D // 2]], dim=-1)


def forward(w, ids, mask):
    B, T = ids.shape
    x = w["model.embed_tokens.weight"][ids]
    cos, sin = rope_cos_sin(T)
    causal = torch.ones(T, T, dtype=torch.bool).tril()
    allowed = causal[None, None] & mask.bool()[:, None, None, :]  # (B, 1, Tq, Tk)
    for l in range(L):
        p = lambda n: w[f"model.layers.{l}.{n}"]
        h = rmsnorm(x, p("input_layernorm.weight"))
        q = (h @ p("self_attn.q_proj.weight").T).view(B, T, H, D)
        k = (h @ p("self_attn.k_proj.weight").T).view(B, T, KV, D)
        v = (h @ p("self_attn.v_proj.weight").T).view(B, T, KV, D)
        q = rmsnorm(q, p("self_attn.q_norm.weight")).transpose(1, 2)  # (B, H, T, D)
        k = rmsnorm(k, p("self_attn.k_norm.weight")).transpose(1, 2)
        v = v.transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(H // KV, dim=1)
        v = v.repeat_interleave(H // KV, dim=1)
        s = (q @ k.transpose(-1, -2)) / math.sqrt(D)
        s = s.masked_fill(~allowed, float("-inf"))
        a = torch.softmax(s, dim=-1) @ v  # (B, H, T, D)
        x = x + a.transpose(1, 2).reshape(B, T, H * D) @ p("self_attn.o_proj.weight").T
        h = rmsnorm(x, p("post_attention_layernorm.weight"))
        g = h @ p("mlp.gate_proj.weight").T
        u = h @ p("mlp.up_proj.weight").T
        x = x + (torch.nn.functional.silu(g) * u) @ p("mlp.down_proj.weight").T
    hidden = rmsnorm(x, w["model.norm.weight"])
    return hidden, hidden @ w["model.embed_tokens.weight"].T


def make_batch():
    g = torch.Generator().manual_seed(7)
    B, T = 6, 12
    lengths = [12, 9, 10, 7, 11, 8]
    ids = torch.zeros(B, T, dtype=torch.int64)
    mask = torch.zeros(B, T, dtype=torch.int64)
    for b, n in enumerate(lengths):
        ids[b, : n - 1] = torch.randint(0, V - 1, (n - 1,), generator=g)
        ids[b, n - 1] = EMB
        mask[b, :n] = 1
    # queries are rows 0, 1: prompt = first 3 tokens, reasoning = the rest up to <emb_token>
    targets = torch.zeros(B, T, dtype=torch.int64)
    weight = torch.zeros(B, T)
    for b in (0, 1):
        n = lengths[b]
        for t in range(2, n - 2):  # position t predicts token t+1 (reasoning tokens 3 .. n-2)
            targets[b, t] = ids[b, t + 1]
            weight[b, t] = 1.0
    return dict(B=B, T=T, ids=ids, mask=mask, targets=targets, weight=weight,
                embPositions=[n - 1 for n in lengths], queryRows=[0, 1], docRows=[2, 3, 4, 5],
                positive=[0, 1], temperature=0.05, lmScale=1.0, nceScale=0.5)


def losses(w, bt):
    hidden, logits = forward(w, bt["ids"], bt["mask"])
    B, T = bt["B"], bt["T"]
    wt = bt["weight"].double().view(-1)
    logp = torch.log_softmax(logits.view(B * T, V), dim=-1)
    nll = -logp.gather(1, bt["targets"].view(-1, 1)).squeeze(1)
    lm = (nll * wt).sum() / wt.sum()
    e = hidden[torch.arange(B), torch.tensor(bt["embPositions"])]
    e = torch.nn.functional.normalize(e, dim=-1)
    q, d = e[bt["queryRows"]], e[bt["docRows"]]
    cos = q @ d.T
    nce = torch.nn.functional.cross_entropy(cos / bt["temperature"], torch.tensor(bt["positive"]))
    total = bt["lmScale"] * lm + bt["nceScale"] * nce
    return logits, lm, nce, total


def lr_at(step, peak, warmup, total, min_ratio):
    if step < warmup:
        return peak * (step + 1) / warmup
    prog = (step - warmup) / max(1, total - warmup)
    return peak * (min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * prog)))


def main():
    os.makedirs(os.path.join(FIX, "tiny-qwen3"), exist_ok=True)
    os.makedirs(os.path.join(FIX, "golden"), exist_ok=True)
    w32 = make_weights()
    write_safetensors(os.path.join(FIX, "tiny-qwen3", "model.safetensors"), w32)
    with open(os.path.join(FIX, "tiny-qwen3", "config.json"), "w") as f:
        json.dump(CFG, f, indent=2)
    bt = make_batch()
    w = {k: v.double().requires_grad_(True) for k, v in w32.items()}
    logits, lm, nce, total = losses(w, bt)
    total.backward()
    out = {"logits": logits.detach()}
    for k, v in w.items():
        out["grad." + k] = v.grad
    write_safetensors(os.path.join(FIX, "golden", "golden.safetensors"), out)
    grad_norm = math.sqrt(sum(float((v.grad ** 2).sum()) for v in w.values()))

    opt_cfg = dict(lr=1e-2, warmup=2, total=5, minLrRatio=0.1, beta1=0.9, beta2=0.95, eps=1e-8, weightDecay=0.1, clip=1.0)
    w = {k: v.double().requires_grad_(True) for k, v in w32.items()}
    decay = [v for k, v in w.items() if v.dim() >= 2]
    no_decay = [v for k, v in w.items() if v.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": opt_cfg["weightDecay"]}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=opt_cfg["lr"], betas=(opt_cfg["beta1"], opt_cfg["beta2"]), eps=opt_cfg["eps"])
    steps = []
    for s in range(opt_cfg["total"]):
        lr = lr_at(s, opt_cfg["lr"], opt_cfg["warmup"], opt_cfg["total"], opt_cfg["minLrRatio"])
        for gr in opt.param_groups:
            gr["lr"] = lr
        opt.zero_grad()
        _, _, _, loss = losses(w, bt)
        loss.backward()
        gn = float(torch.nn.utils.clip_grad_norm_(list(w.values()), opt_cfg["clip"]))
        opt.step()
        steps.append({"step": s, "loss": float(loss), "lr": lr, "gradNorm": gn})
    _, _, _, final = losses(w, bt)

    batch_json = {k: (v.view(-1).tolist() if torch.is_tensor(v) else v) for k, v in bt.items()}
    with open(os.path.join(FIX, "golden", "batch.json"), "w") as f:
        json.dump(batch_json, f)
    golden = {"torch": torch.__version__, "dtype": "float64", "lm": float(lm), "infoNce": float(nce), "loss": float(total),
              "gradNorm": grad_norm, "optimizer": opt_cfg, "steps": steps, "finalLoss": float(final)}
    with open(os.path.join(FIX, "golden", "golden.json"), "w") as f:
        json.dump(golden, f, indent=2)
    print(json.dumps({k: golden[k] for k in ("lm", "infoNce", "loss", "gradNorm", "finalLoss")}))


if __name__ == "__main__":
    main()
