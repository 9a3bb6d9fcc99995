#!/usr/bin/env python3
"""PyTorch CPU reference for bench/train.bench.ts: training tokens/s (forward + backward + AdamW)
of a Qwen3-shaped model, float32, eager attention (torch 1.13 has no fused SDPA).

Usage: /usr/bin/python3 scripts/bench/train_torch.py '{"vocab":..,"hidden":..,...}'
Prints one JSON line: {"tokensPerSecond": ..., "params": ..., "secondsPerStep": ...}
"""
import json, math, sys, time
import torch
import torch.nn.functional as F

cfg = json.loads(sys.argv[1])
torch.set_num_threads(cfg["threads"])
torch.manual_seed(0)
V, C, L, H, KV, D, FF = cfg["vocab"], cfg["hidden"], cfg["layers"], cfg["heads"], cfg["kvHeads"], cfg["headDim"], cfg["intermediate"]
B, T, EPS = cfg["batch"], cfg["seq"], 1e-6


class RMSNorm(torch.nn.Module):
    def __init__(self, n):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(n))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + EPS) * self.weight


class Layer(torch.nn.Module):
    def __init__(self):
        super().__init__()
        lin = lambda i, o: torch.nn.Linear(i, o, bias=False)
        self.n1, self.n2 = RMSNorm(C), RMSNorm(C)
        self.q, self.k, self.v, self.o = lin(C, H * D), lin(C, KV * D), lin(C, KV * D), lin(H * D, C)
        self.qn, self.kn = RMSNorm(D), RMSNorm(D)
        self.g, self.u, self.d = lin(C, FF), lin(C, FF), lin(FF, C)

    def forward(self, x, cos, sin, mask):
        h = self.n1(x)
        q = self.qn(self.q(h).view(B, T, H, D)).transpose(1, 2)
        k = self.kn(self.k(h).view(B, T, KV, D)).transpose(1, 2)
        v = self.v(h).view(B, T, KV, D).transpose(1, 2)
        rot = lambda t: torch.cat([-t[..., D // 2:], t[..., : D // 2]], -1)
        q, k = q * cos + rot(q) * sin, k * cos + rot(k) * sin
        k, v = k.repeat_interleave(H // KV, 1), v.repeat_interleave(H // KV, 1)
        s = (q @ k.transpose(-1, -2)) / math.sqrt(D) + mask
        a = (torch.softmax(s, -1) @ v).transpose(1, 2).reshape(B, T, H * D)
        x = x + self.o(a)
        h = self.n2(x)
        return x + self.d(F.silu(self.g(h)) * self.u(h))


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(V, C)
        self.layers = torch.nn.ModuleList([Layer() for _ in range(L)])
        self.norm = RMSNorm(C)

    def forward(self, ids, cos, sin, mask):
        x = self.emb(ids)
        for l in self.layers:
            x = l(x, cos, sin, mask)
        return self.norm(x) @ self.emb.weight.T


m = Model()
inv = 1.0 / (10000 ** (torch.arange(0, D, 2).float() / D))
ang = torch.arange(T).float()[:, None] * inv[None]
cos, sin = torch.cat([ang, ang], -1).cos(), torch.cat([ang, ang], -1).sin()
mask = torch.full((T, T), float("-inf")).triu(1)
opt = torch.optim.AdamW(m.parameters(), lr=1e-4, betas=(0.9, 0.95), weight_decay=0.1)
ids = torch.randint(0, V, (B, T + 1))


def step():
    opt.zero_grad()
    logits = m(ids[:, :-1], cos, sin, mask)
    loss = F.cross_entropy(logits.reshape(-1, V), ids[:, 1:].reshape(-1))
    loss.backward()
    torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
    opt.step()


for _ in range(cfg["warmup"]):
    step()
t0, c0 = time.perf_counter(), time.process_time()
for _ in range(cfg["steps"]):
    step()
sec = (time.perf_counter() - t0) / cfg["steps"]
cpu = (time.process_time() - c0) / cfg["steps"]  # CPU seconds of all threads: robust to a shared machine
print(json.dumps({"tokensPerSecond": B * T / sec, "secondsPerStep": sec, "cpuSecondsPerStep": cpu, "params": sum(p.numel() for p in m.parameters())}))
