/**
 * Shared by the GGUF / llama.cpp parity tests: loads node-llama-cpp (an optional dependency) on the
 * CPU with one thread, or returns a skip message when it is unavailable.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

type NodeLlamaCpp = typeof import("node-llama-cpp");
export type Llama = Awaited<ReturnType<NodeLlamaCpp["getLlama"]>>;

let cached: Promise<{ llama: Llama; lib: NodeLlamaCpp } | { skip: string }> | undefined;

/** node-llama-cpp with its prebuilt CPU binary, or `{skip}` when it cannot load here. */
export function loadLlamaCpp(): Promise<{ llama: Llama; lib: NodeLlamaCpp } | { skip: string }> {
  cached ??= (async () => {
    try {
      const lib = await import("node-llama-cpp");
      const llama = await lib.getLlama({ gpu: false, build: "never", logLevel: lib.LlamaLogLevel.error, maxThreads: 1 });
      return { llama, lib };
    } catch (e) {
      return { skip: `node-llama-cpp is not usable here (${(e as Error).message.split("\n")[0]}); skipping` };
    }
  })();
  return cached;
}

/** The system Python with numpy (an independent reference for f16 / q8_0 bytes), or undefined. */
export function numpyPython(): string | undefined {
  const py = "/usr/bin/python3";
  if (!existsSync(py)) return undefined;
  const r = spawnSync(py, ["-c", "import numpy"], { encoding: "utf8" });
  return r.status === 0 ? py : undefined;
}

/** Greedy argmax with the gap to the runner-up (to recognise near-ties). */
export function argmaxWithGap(logits: ArrayLike<number>): { id: number; gap: number } {
  let best = 0;
  let second = -Infinity;
  for (let i = 1; i < logits.length; i++) {
    if (logits[i]! > logits[best]!) {
      second = logits[best]!;
      best = i;
    } else if (logits[i]! > second) second = logits[i]!;
  }
  return { id: best, gap: logits[best]! - second };
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}
