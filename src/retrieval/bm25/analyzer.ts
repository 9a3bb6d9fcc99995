/**
 * Lucene 8's EnglishAnalyzer (no stem exclusions): StandardTokenizer → EnglishPossessiveFilter →
 * LowerCaseFilter → StopFilter(ENGLISH_STOP_WORDS_SET) → PorterStemFilter. The possessive filter
 * runs before lower-casing, as in Lucene, so it also strips "'S".
 */
import { porterStem } from "./porter-stemmer.js";
import { MAX_TOKEN_LENGTH, standardTokenize } from "./standard-tokenizer.js";

/** Lucene's EnglishAnalyzer.ENGLISH_STOP_WORDS_SET (33 words). */
export const ENGLISH_STOP_WORDS: ReadonlySet<string> = new Set([
  "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no", "not",
  "of", "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this", "to", "was",
  "will", "with",
]);

/** A name stored in index headers so an index is never searched with another analyzer. */
export const LUCENE_ENGLISH_ANALYZER = "lucene8-english";

/** EnglishPossessiveFilter: drops a trailing 's / ’s / ＇s (either case of s). */
function stripPossessive(t: string): string {
  const n = t.length;
  if (n < 2) return t;
  const last = t.charCodeAt(n - 1);
  const quote = t.charCodeAt(n - 2);
  if ((last === 115 || last === 83) && (quote === 39 || quote === 0x2019 || quote === 0xff07)) return t.slice(0, n - 2);
  return t;
}

// eslint-disable-next-line no-control-regex
const ASCII_ONLY = /^[\x00-\x7f]*$/;

/**
 * LowerCaseFilter: Java's Character.toLowerCase per code point (simple case mapping), which differs
 * from String.prototype.toLowerCase for İ (U+0130 → "i", not "i̇") and final sigma (always σ).
 */
export function javaLowerCase(t: string): string {
  if (ASCII_ONLY.test(t)) return t.toLowerCase();
  let out = "";
  for (const ch of t) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0x130) {
      out += "i";
      continue;
    }
    const lower = ch.toLowerCase();
    // A multi-character full mapping has no simple-mapping equivalent: keep the character.
    out += [...lower].length === 1 ? lower : ch;
  }
  return out;
}

/**
 * The filters after the tokenizer, for one StandardTokenizer token: its index term, or null for a
 * stop word. A pure function of the token, so callers may cache it per distinct token.
 */
export function analyzeToken(token: string): string | null {
  const t = javaLowerCase(stripPossessive(token));
  return ENGLISH_STOP_WORDS.has(t) ? null : porterStem(t);
}

/** Analyzes `text` into index terms exactly as Lucene 8's EnglishAnalyzer would. */
export function analyzeEnglish(text: string, maxTokenLength = MAX_TOKEN_LENGTH): string[] {
  const out: string[] = [];
  for (const tok of standardTokenize(text, maxTokenLength)) {
    const term = analyzeToken(tok);
    if (term !== null) out.push(term);
  }
  return out;
}
