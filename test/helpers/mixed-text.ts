/**
 * Deterministic mixed text for tokenizer parity on real vocabularies: prose, code, LaTeX, CJK,
 * emoji (ZWJ sequences, skin tones, flags, variation selectors), other scripts, numbers, and runs
 * of spaces, tabs and newlines, with special tokens sprinkled in. NFC, since HF's Qwen normaliser
 * is NFC and llama.cpp normalises nothing.
 */
import { Mulberry32 } from "../../src/util/mulberry32.js";

const CODE = [
  "export async function search(q: string, k = 10): Promise<Hit[]> {\n\tconst v = await embed(q);\n\treturn index.top(v, k); // cosine\n}\n",
  "def bm25(tf, df, n, dl, avgdl, k1=0.9, b=0.4):\n    idf = math.log(1 + (n - df + 0.5) / (df + 0.5))\n    return idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))\n",
  "#include <stdint.h>\nstatic inline uint32_t rotl(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }\n",
  '{"id": "q-001", "scores": [0.75, 0.5, -1e-3], "ok": true, "nested": {"a": null}}\n',
  "for f in *.jsonl; do wc -l \"$f\" | awk '{print $1}'; done 2>/dev/null\n",
  "SELECT d.id, SUM(s.w) AS score FROM docs d JOIN s ON s.doc = d.id WHERE s.w >= 0.5 GROUP BY d.id;\n",
  "    if (x != y && !done) {{ return a->b[i++] ?: nullptr; }}\n",
];

const LATEX = [
  "\\begin{align}\n  \\mathcal{L}_{\\mathrm{InfoNCE}} &= -\\log \\frac{\\exp(s(q, d^+)/\\tau)}{\\sum_{d \\in \\mathcal{D}} \\exp(s(q, d)/\\tau)} \\\\\n  \\nabla_\\theta J &= \\mathbb{E}\\left[ \\hat{A}_i \\nabla \\log \\pi_\\theta(o_i \\mid q) \\right]\n\\end{align}\n",
  "Let $f(x) = x^2 + 2x + 1$, so $f'(x) = 2x + 2$ and $\\int_0^1 f(x)\\,dx = \\tfrac{7}{3}$.",
  "$$\\operatorname{nDCG}@10 = \\frac{1}{\\mathrm{IDCG}} \\sum_{i=1}^{10} \\frac{2^{rel_i} - 1}{\\log_2(i + 1)}$$",
  "\\[ \\sqrt[3]{\\alpha} \\le \\|\\mathbf{v}\\|_2 \\quad \\forall \\epsilon > 0,\\ \\exists \\delta \\]",
];

const SCRIPTS = [
  "检索增强生成需要先理解问题，再找到相关的文档。", "这个模型在推理密集型检索上表现很好（见表 3）。",
  "日本語のテキストも、カタカナやひらがなを含めて正しく分割されるべきです。", "東京都渋谷区で会議があります。",
  "한국어 문장도 올바르게 토큰화되어야 합니다.", "Ελληνικά: η γρήγορη καφέ αλεπού.", "Русский текст: ёжик в тумане, 2026 год.",
  "العربية: البحث عن المعلومات", "हिन्दी में एक वाक्य।", "ภาษาไทยไม่มีช่องว่างระหว่างคำ", "Tiếng Việt có dấu: Hà Nội",
  "café naïve résumé coöperate Ångström façade", "ﬁ ligature, ½ ¼ ∑∫√∞≠≤, ‘quotes’ “double” — dash … «guillemets»",
];

const EMOJI = ["🎉", "👍🏽", "🧑‍💻", "👨‍👩‍👧‍👦", "🇫🇷", "🇯🇵", "❤️", "✔️", "🤖", "😂😂😂", "🏳️‍🌈", "⚡", "🫠", "1️⃣", "☕"];

const PROSE = [
  "The quick brown fox jumps over the lazy dog. It's a test, isn't it? WE'LL SEE; they'd know, I'M sure.",
  "Reasoning-intensive retrieval asks a model to think about what a query needs before it embeds it.",
  "constructor(props) { super(props); } toString valueOf __proto__ hasOwnProperty: names an object already has.",
  "Dr. Smith (born 1962) said: \"Results vary.\" Mr. O'Neil disagreed -- strongly!",
];

function numbers(r: Mulberry32): string {
  const n = Math.floor(r.next() * 1e9);
  const forms = [
    String(n), n.toLocaleString("en-US"), (r.next() * 1000).toFixed(4), `${(r.next() * 10).toExponential(3)}`, `-${n % 997}`,
    `2026-${String((n % 12) + 1).padStart(2, "0")}-${String((n % 28) + 1).padStart(2, "0")}`, `+1 (555) ${n % 1000}-${n % 10000}`,
    "12345678901234567890", `v${n % 10}.${n % 100}.${n % 7}`, `${n % 100}%`, `0x${n.toString(16)}`, "3.14159265358979",
  ];
  return forms[Math.floor(r.next() * forms.length)]!;
}

function whitespace(r: Mulberry32): string {
  const parts = [" ", "  ", "    ", "\t", "\t\t", "\n", "\n\n", "\n\n\n", "\r\n", " \n", "\n ", "\t\n", "        ", "\n\t\t", "\u00a0", "\u3000"];
  let s = "";
  const k = 1 + Math.floor(r.next() * 4);
  for (let i = 0; i < k; i++) s += parts[Math.floor(r.next() * parts.length)]!;
  return s;
}

/** About `bytes` bytes of mixed text; the same `seed` gives the same text. */
export function mixedRealText(bytes: number, opts: { seed?: number; prose?: string[]; specials?: string[] } = {}): string {
  const r = new Mulberry32(opts.seed ?? 1);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r.next() * xs.length)]!;
  const prose = [...PROSE, ...(opts.prose ?? []).flatMap((p) => p.split(/\n{2,}/)).filter((p) => p.trim().length > 0)];
  const specials = opts.specials ?? [];
  let out = "";
  while (Buffer.byteLength(out) < bytes) {
    const kind = Math.floor(r.next() * 8);
    if (kind <= 1) out += pick(prose);
    else if (kind === 2) out += pick(CODE);
    else if (kind === 3) out += pick(LATEX);
    else if (kind === 4) out += pick(SCRIPTS);
    else if (kind === 5) out += `${pick(EMOJI)}${r.next() < 0.5 ? pick(EMOJI) : " "}${pick(SCRIPTS).slice(0, 8)}`;
    else if (kind === 6) out += `${numbers(r)} ${numbers(r)}`;
    else out += `word${whitespace(r)}Word${whitespace(r)}`;
    if (specials.length > 0 && r.next() < 0.08) out += pick(specials);
    out += whitespace(r);
  }
  return out.normalize("NFC");
}
