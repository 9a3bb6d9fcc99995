/**
 * GPT-2's byte ↔ unicode table: each of the 256 bytes maps to a printable code point so BPE
 * vocabularies can be stored as JSON strings (bytes that are already printable map to themselves).
 */
function buildTable(): { bytes: number[]; chars: string[] } {
  const bs: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bs.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
  for (let b = 0xae; b <= 0xff; b++) bs.push(b);
  const cs = bs.slice();
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n);
      n++;
    }
  }
  return { bytes: bs, chars: cs.map((c) => String.fromCodePoint(c)) };
}

const table = buildTable();

/** The 256 byte symbols in GPT-2 vocabulary order (printable ASCII first), as ids 0..255 use them. */
export const BYTE_SYMBOLS_IN_VOCAB_ORDER: readonly string[] = table.chars;

const byteToChar: string[] = new Array<string>(256);
table.bytes.forEach((b, i) => (byteToChar[b] = table.chars[i]!));

/** UTF-8 bytes of `s`, each replaced by its byte symbol. */
export function toByteSymbols(s: string): string {
  let out = "";
  for (const b of Buffer.from(s, "utf8")) out += byteToChar[b];
  return out;
}

/** The pre-tokenizer regex of GPT-4/Qwen2 (`pre = qwen2` in llama.cpp), as written in tokenizer.json. */
export const QWEN2_PRETOKENIZE_REGEX =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/** The same pattern in JavaScript syntax (no inline case-insensitive group). */
export const QWEN2_PRETOKENIZE_JS =
  /'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD]|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu;
