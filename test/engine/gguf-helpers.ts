/**
 * Shared by the GGUF / llama.cpp parity tests: loads node-llama-cpp (an optional dependency) on the
 * CPU with one thread, or returns a skip message when it is unavailable.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { convertHfToGguf } from "../../src/engine/gguf/convert-hf.js";
import { GgmlType } from "../../src/engine/gguf/constants.js";
import { readGgufHeader } from "../../src/engine/gguf/reader.js";
import { tokenizerFromGguf } from "../../src/engine/gguf/tokenizer-from-gguf.js";
import { TextTokenizer } from "../../src/engine/tokenizer/tokenizer.js";
import { packageRoot, sharedPath } from "../../src/util/paths.js";

const METHOD_DOC = join(packageRoot(), "docs", "METHOD.md");

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

export { cosine } from "../helpers/vectors.js";

const CODE = `export function fib(n: number): number {
\tif (n < 2) return n;  // base case
\treturn fib(n - 1) + fib(n - 2);
}
def mean(xs: list[float]) -> float:
    return sum(xs) / max(len(xs), 1)   # avoid /0
#include <stdio.h>
int main(void){printf("%d\\n", 0x1F & ~3);return 0;}
SELECT id, COUNT(*) AS n FROM docs WHERE score >= 0.75 GROUP BY id;
`;

const UNICODE = [
  "café naïve résumé coöperate Ångström", "Ελληνικά κείμενο", "русский текст, ёжик", "中文字符和标点。", "日本語のテキスト",
  "한국어 문장", "emoji 🎉👍🏽🧑‍💻", "math ∑∫√∞≠≤ ½ ¼", "ﬁ ligature", "tab\tand\u00a0nbsp", "zero\u200bwidth", "‘quotes’ “double” — dash …",
];

/**
 * A deterministic mixed text of about `bytes` bytes for tokenizer parity: English prose (the method
 * doc and Cranfield abstracts from ../shared when present), code, numbers, unicode, whitespace runs
 * and the given special tokens, NFC-normalised (HF's Qwen normaliser is NFC; llama.cpp has none).
 */
export function mixedText(bytes: number, specials: string[], prose: string[]): string {
  const parts: string[] = [];
  let size = 0;
  let i = 0;
  const corpus = prose.join("\n").split(/\n{2,}|\.I /);
  while (size < bytes) {
    const pick = i % 7;
    let s: string;
    if (pick === 0 || pick === 3 || pick === 5) s = corpus[i % corpus.length] ?? "plain text";
    else if (pick === 1) s = CODE;
    else if (pick === 2) s = `${i * 7919} ${(i * 3.14159).toFixed(5)} 1,234,${String(i).padStart(3, "0")} 2026-11-${(i % 28) + 1} -${i}e-5 ${1 / (i + 1)}`;
    else if (pick === 4) s = UNICODE[i % UNICODE.length]!;
    else s = `${" ".repeat(i % 9)}word${"\n".repeat(i % 4)}\t\t${" ".repeat(1 + (i % 3))}end \r\n`;
    if (specials.length && i % 5 === 0) s += specials[i % specials.length]!;
    if (specials.length && i % 11 === 0) s = specials[(i + 1) % specials.length]! + s;
    parts.push(s);
    size += Buffer.byteLength(s);
    i++;
  }
  return parts.join(i % 2 ? " " : "\n").normalize("NFC");
}

/** English prose for the mixed text: the method doc (docs/METHOD.md) and Cranfield abstracts when ../shared is present. */
function prose(): string[] {
  const out: string[] = [readFileSync(METHOD_DOC, "utf8")];
  const cran = sharedPath("data", "classic", "cranfield", "cran.all.1400");
  if (cran) out.push(readFileSync(cran, "utf8"));
  return out;
}

function firstDiff(a: number[], b: number[]): string {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return `lengths ${a.length} vs ${b.length}; first difference at ${i}: ${JSON.stringify(a.slice(Math.max(0, i - 3), i + 5))} vs ${JSON.stringify(b.slice(Math.max(0, i - 3), i + 5))}`;
}

/** HF ids (original tokenizer.json), HF ids (tokenizer.json rebuilt from the GGUF) and llama.cpp ids. */
export async function compareTokenizers(t: import("node:test").TestContext, dir: string, modelDir: string, specials: string[], bytes: number): Promise<void> {
  const ll = await loadLlamaCpp();
  if ("skip" in ll) return t.skip(ll.skip);
  const gg = join(dir, `${modelDir.split("/").pop()}.gguf`);
  await convertHfToGguf(modelDir, gg, { type: GgmlType.F32 });
  const text = mixedText(bytes, specials, prose());
  // The engine's tokenizer (TextTokenizer over @huggingface/tokenizers) on the original files...
  const hf = new TextTokenizer(JSON.parse(readFileSync(join(modelDir, "tokenizer.json"), "utf8")), JSON.parse(readFileSync(join(modelDir, "tokenizer_config.json"), "utf8")));
  const rebuilt = tokenizerFromGguf(readGgufHeader(gg));
  // ...and on the tokenizer.json rebuilt from the GGUF (what the engine uses when loading a .gguf).
  const hf2 = new TextTokenizer(rebuilt.tokenizerJson, rebuilt.tokenizerConfig);
  const model = await ll.llama.loadModel({ modelPath: gg });
  try {
    const ours: number[] = hf.encode(text, { addSpecialTokens: false });
    const theirs = model.tokenize(text, true).map(Number);
    assert.ok(ours.length > bytes / 10, `only ${ours.length} tokens`);
    for (const s of specials) assert.ok(theirs.includes(hf.tokenId(s)!), `llama.cpp did not parse ${s} as one token`);
    assert.ok(ours.length === theirs.length && ours.every((x, i) => x === theirs[i]), `HF vs llama.cpp: ${firstDiff(ours, theirs)}`);
    const fromGguf: number[] = hf2.encode(text, { addSpecialTokens: false });
    assert.ok(fromGguf.length === theirs.length && fromGguf.every((x, i) => x === theirs[i]), `rebuilt tokenizer vs llama.cpp: ${firstDiff(fromGguf, theirs)}`);
    // With special tokens added, both prepend BOS (or nothing) the same way.
    const withSpecial = hf.encode("Hello there", { addSpecialTokens: true });
    assert.deepEqual(hf2.encode("Hello there", { addSpecialTokens: true }), withSpecial);
  } finally {
    await model.dispose();
  }
}

