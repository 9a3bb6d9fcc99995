/**
 * Lucene 8's StandardTokenizer: UAX#29 word segmentation where only segments holding letters,
 * digits, ideographs, kana, South-East-Asian script or emoji become tokens. Written as a scanner
 * over Word_Break classes rather than with Intl.Segmenter because ICU differs from Lucene's grammar
 * where it matters: ICU segments Chinese/Japanese with a dictionary (Lucene: one token per Han or
 * Hiragana character) and tailors the colon out of MidLetter (Lucene: "a:b" is one token).
 * Where Lucene's jflex grammar departs from plain UAX#29 we follow the grammar: its emoji sequence
 * rule (TR#51), a character no token takes is dropped alone (what follows is scanned afresh), and
 * Hebrew-quote runs concatenate. Word_Break classes come from the Unicode properties JS regexes
 * expose plus UAX#29's short punctuation lists. The classes stay in this file: imported enums and
 * tables (as tsx runs them) made the scanner twice as slow.
 */

const enum WB {
  Other = 0,
  ALetter,
  Hebrew,
  Numeric,
  Katakana,
  ExtendNumLet,
  MidLetter,
  MidNumLet,
  MidNum,
  SingleQuote,
  DoubleQuote,
  ExtendFormat,
  Han,
  Hiragana,
  SouthEastAsian,
  Regional,
  Newline,
  /** Pictographic emoji (either presentation) and lone skin-tone modifiers: tokens by themselves. */
  Emoji,
}

/** Lucene's default (and maximum useful) token length; longer runs are cut into pieces. */
export const MAX_TOKEN_LENGTH = 255;

const RE = {
  newline: /[\u000B\u000C\u0085\u2028\u2029]/u,
  extendFormat: /[\p{Mn}\p{Me}\p{Mc}\u200C\u200D\uFF9E\uFF9F]|(?![\u200B])\p{Cf}/u,
  emojiModifier: /[\u{1F3FB}-\u{1F3FF}]/u,
  // Han characters that UAX#29 calls ALetter (々 〻 〼: not Ideographic) join words; the rest are one token each.
  han: /(?=\p{Script=Han})(?:\p{Ideographic}|\P{Alphabetic})/u,
  hiragana: /\p{Script=Hiragana}/u,
  katakana: /[\p{Script=Katakana}\u3031-\u3035\u309B\u309C\u30A0\u30FC\uFF70]/u,
  sea: /[\p{Script=Thai}\p{Script=Lao}\p{Script=Myanmar}\p{Script=Khmer}\p{Script=Tai_Le}\p{Script=New_Tai_Lue}\p{Script=Tai_Tham}\p{Script=Tai_Viet}]/u,
  hebrewLetter: /(?=\p{Script=Hebrew})\p{L}/u,
  numeric: /[\p{Nd}\u066B]/u,
  aletter:
    /\p{Alphabetic}|[\u02C2-\u02C5\u02D2-\u02D7\u02DE\u02DF\u02E5-\u02EB\u02ED\u02EF-\u02FF\u055A-\u055C\u055E\u058A\u05F3\uA708-\uA716\uA720\uA721\uA789\uA78A\uAB5B]/u,
  midLetter: /[\u00B7\u0387\u05F4\u2027\uFE13\uFE55\uFF1A]/u,
  midNumLet: /[\u2018\u2019\u2024\uFE52\uFF07\uFF0E]/u,
  midNum: /[\u037E\u0589\u060C\u060D\u066C\u07F8\u2044\uFE10\uFE14\uFE50\uFE54\uFF0C\uFF1B]/u,
  extendNumLet: /[\p{Pc}\u202F]/u,
  regional: /[\u{1F1E6}-\u{1F1FF}]/u,
  emoji: /\p{Emoji_Presentation}|(?=\p{Extended_Pictographic})\p{Emoji}/u,
  modifierBase: /\p{Emoji_Modifier_Base}/u,
};

function classifySlow(cp: number): WB {
  const s = String.fromCodePoint(cp);
  if (RE.newline.test(s)) return WB.Newline;
  if (RE.regional.test(s)) return WB.Regional;
  if (RE.emojiModifier.test(s)) return WB.Emoji;
  if (RE.extendFormat.test(s)) return WB.ExtendFormat;
  if (RE.han.test(s)) return WB.Han;
  if (RE.hiragana.test(s)) return WB.Hiragana;
  if (RE.katakana.test(s)) return WB.Katakana;
  if (RE.numeric.test(s)) return WB.Numeric;
  if (RE.sea.test(s)) return /\p{L}|\p{M}/u.test(s) ? WB.SouthEastAsian : WB.Other;
  if (RE.hebrewLetter.test(s)) return WB.Hebrew;
  if (RE.midLetter.test(s)) return WB.MidLetter;
  if (RE.midNumLet.test(s)) return WB.MidNumLet;
  if (RE.midNum.test(s)) return WB.MidNum;
  if (RE.extendNumLet.test(s)) return WB.ExtendNumLet;
  if (RE.emoji.test(s)) return WB.Emoji;
  if (RE.aletter.test(s)) return WB.ALetter;
  return WB.Other;
}

/** Class per code point, computed on first sight; 255 = not yet known. 1.1 MB, shared. */
const CLASS_CACHE = new Uint8Array(0x110000).fill(255);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  let k = WB.Other;
  if (/[A-Za-z]/.test(ch)) k = WB.ALetter;
  else if (/[0-9]/.test(ch)) k = WB.Numeric;
  else if (ch === "_") k = WB.ExtendNumLet;
  else if (ch === ":") k = WB.MidLetter;
  else if (ch === ".") k = WB.MidNumLet;
  else if (ch === "," || ch === ";") k = WB.MidNum;
  else if (ch === "'") k = WB.SingleQuote;
  else if (ch === '"') k = WB.DoubleQuote;
  else if (ch === "\n" || ch === "\r" || ch === "\u000B" || ch === "\u000C") k = WB.Newline;
  CLASS_CACHE[c] = k;
}

function classOf(cp: number): WB {
  let k = CLASS_CACHE[cp]!;
  if (k === 255) {
    k = classifySlow(cp);
    CLASS_CACHE[cp] = k;
  }
  return k as WB;
}

const isAHLetter = (c: WB): boolean => c === WB.ALetter || c === WB.Hebrew;
const isWordContent = (c: WB): boolean => c === WB.ALetter || c === WB.Hebrew || c === WB.Numeric || c === WB.Katakana;

/** UAX#29 rules WB5, WB8–WB10, WB13, WB13a, WB13b: no break between `a` and `b`. */
function joins(a: WB, b: WB): boolean {
  if (b === WB.ExtendNumLet) return isWordContent(a) || a === WB.ExtendNumLet;
  if (a === WB.ExtendNumLet) return isWordContent(b);
  if (isAHLetter(a)) return isAHLetter(b) || b === WB.Numeric;
  if (a === WB.Numeric) return isAHLetter(b) || b === WB.Numeric;
  if (a === WB.Katakana) return b === WB.Katakana;
  return false;
}

/**
 * Scanner state: `text` split into units of one base character plus any Extend/Format characters
 * after it (rule WB4). `unitAt` fills `uClass`, `uEnd` and `uZwj` for the unit starting at `pos`.
 */
class Scanner {
  uClass: WB = WB.Other;
  uEnd = 0;
  /** The unit ends with ZWJ (joins emoji, WB3c). */
  uZwj = false;

  constructor(readonly text: string) {}

  /**
   * End of one emoji element as Lucene's grammar reads it: the character, Extend/Format/ZWJ except
   * the presentation selectors, then a skin-tone modifier (only after an Emoji_Modifier_Base) or one
   * U+FE0F (not after a modifier). Sets uZwj when the element ends in ZWJ.
   */
  private emojiEnd(cp: number, end: number): number {
    const text = this.text;
    const isModifier = cp >= 0x1f3fb && cp <= 0x1f3ff;
    end = this.extendsSansSelectors(end);
    const next = text.codePointAt(end);
    if (next !== undefined && next >= 0x1f3fb && next <= 0x1f3ff && !isModifier && RE.modifierBase.test(String.fromCodePoint(cp))) {
      end = this.extendsSansSelectors(end + 2);
    } else if (next === 0xfe0f && !isModifier) {
      end++;
      this.uZwj = false;
    }
    return end;
  }

  private extendsSansSelectors(pos: number): number {
    const text = this.text;
    while (pos < text.length) {
      const c2 = text.codePointAt(pos)!;
      if (c2 === 0xfe0e || c2 === 0xfe0f || classOf(c2) !== WB.ExtendFormat) break;
      this.uZwj = c2 === 0x200d;
      pos += c2 > 0xffff ? 2 : 1;
    }
    return pos;
  }

  /** End of a keycap emoji "#⃣" / "*️⃣" starting at `start` (Lucene: base, extends, FE0F?, U+20E3, extends), or 0. */
  keycapEnd(start: number): number {
    const text = this.text;
    let p = start + 1;
    let keycap = false;
    while (p < text.length) {
      const c = text.codePointAt(p)!;
      if (c === 0x20e3) keycap = true;
      else if (c === 0xfe0e || c === 0xfe0f || classOf(c) !== WB.ExtendFormat) break;
      p += c > 0xffff ? 2 : 1;
    }
    if (keycap) return p;
    if (text.charCodeAt(p) === 0xfe0f && text.charCodeAt(p + 1) === 0x20e3) return this.extendsSansSelectors(p + 2);
    return 0;
  }

  /** Whether ZWJs starting at `pos` are followed by an emoji. */
  emojiAfterZwj(pos: number): boolean {
    const text = this.text;
    while (pos < text.length && text.charCodeAt(pos) === 0x200d) pos++;
    const cp = text.codePointAt(pos);
    // A lone skin-tone modifier takes no leading ZWJ in Lucene's grammar.
    return cp !== undefined && classOf(cp) === WB.Emoji && !(cp >= 0x1f3fb && cp <= 0x1f3ff);
  }

  unitAt(pos: number): boolean {
    const text = this.text;
    if (pos >= text.length) return false;
    let cp = text.charCodeAt(pos);
    let end = pos + 1;
    if (cp >= 0xd800 && cp <= 0xdbff && end < text.length) {
      const lo = text.charCodeAt(end);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        end++;
      }
    }
    const cls = cp < 128 ? (CLASS_CACHE[cp] as WB) : classOf(cp);
    this.uZwj = false;
    if (cls === WB.ExtendFormat && RE.sea.test(String.fromCodePoint(cp))) {
      // A South-East-Asian mark with no base to extend is itself a SOUTHEAST_ASIAN token (LB=SA).
      return this.finishUnit(WB.SouthEastAsian, end);
    }
    if (cls === WB.Emoji) end = this.emojiEnd(cp, end);
    else if (cls !== WB.Newline) {
      while (end < text.length) {
        let c2 = text.charCodeAt(end);
        if (c2 < 0x300 && c2 !== 0xad) break; // below U+0300 only the soft hyphen extends
        let w = 1;
        if (c2 >= 0xd800 && c2 <= 0xdbff && end + 1 < text.length) {
          c2 = 0x10000 + ((c2 - 0xd800) << 10) + (text.charCodeAt(end + 1) - 0xdc00);
          w = 2;
        }
        if (classOf(c2) !== WB.ExtendFormat) break;
        this.uZwj = c2 === 0x200d;
        end += w;
      }
    }
    this.uClass = cls;
    this.uEnd = end;
    return true;
  }

  private finishUnit(cls: WB, end: number): boolean {
    const text = this.text;
    while (end < text.length) {
      const c2 = text.codePointAt(end)!;
      if (classOf(c2) !== WB.ExtendFormat) break;
      end += c2 > 0xffff ? 2 : 1;
    }
    this.uClass = cls;
    this.uEnd = end;
    return true;
  }
}

/** Splits `text` into Lucene StandardTokenizer tokens (original case, original characters). */
export function standardTokenize(text: string, maxTokenLength = MAX_TOKEN_LENGTH): string[] {
  const out: string[] = [];
  scanTokens(text, (start, end) => out.push(text.slice(start, end)), maxTokenLength);
  return out;
}

/**
 * The tokenizer without allocating: calls `emit(start, end)` with each token's UTF-16 range in
 * `text`, in order (what standardTokenize slices out).
 */
export function scanTokens(text: string, emit: (start: number, end: number) => void, maxTokenLength = MAX_TOKEN_LENGTH): void {
  const out = emit;
  const s = new Scanner(text);
  const len = text.length;
  let pos = 0;
  for (;;) {
    // Fast path: skip ASCII spaces and punctuation that nothing extends (the common case).
    while (pos < len) {
      const c = text.charCodeAt(pos);
      if (c >= 128 || CLASS_CACHE[c] !== WB.Other) break;
      const nx = pos + 1 < len ? text.charCodeAt(pos + 1) : 0;
      if (nx >= 0x300 || nx === 0xad) break;
      pos++;
    }
    if (!s.unitAt(pos)) break;
    const start = pos;
    const cls = s.uClass;
    pos = s.uEnd;
    switch (cls) {
      case WB.ALetter:
      case WB.Hebrew:
      case WB.Numeric:
      case WB.Katakana:
      case WB.ExtendNumLet: {
        let prev: WB = cls;
        let content = cls !== WB.ExtendNumLet;
        let afterQuote = false;
        for (;;) {
          // Fast path: an ASCII character that nothing extends is a unit by itself.
          if (pos < len) {
            const c = text.charCodeAt(pos);
            const nx = pos + 1 < len ? text.charCodeAt(pos + 1) : 0;
            if (c < 128 && nx < 0x300 && nx !== 0xad) {
              const n = CLASS_CACHE[c] as WB;
              if (joins(prev, n)) {
                prev = n;
                afterQuote = false;
                content ||= isWordContent(n);
                pos++;
                continue;
              }
            }
          }
          if (!s.unitAt(pos)) break;
          const n = s.uClass;
          if (joins(prev, n)) {
            prev = n;
            afterQuote = false;
            content ||= isWordContent(n);
            pos = s.uEnd;
            continue;
          }
          const midEnd = s.uEnd;
          if (prev === WB.Hebrew && n === WB.SingleQuote && !afterQuote) {
            // WB7a: Hebrew × Single_Quote. Lucene's grammar then lets a letter, digit or "_" run follow
            // directly (its units concatenate), but no MidLetter/MidNum right after the quote.
            pos = midEnd;
            prev = WB.ALetter;
            afterQuote = true;
            continue;
          }
          if (afterQuote) break;
          const letterMid = n === WB.MidLetter || n === WB.MidNumLet || n === WB.SingleQuote;
          const numberMid = n === WB.MidNum || n === WB.MidNumLet || n === WB.SingleQuote;
          if ((isAHLetter(prev) && letterMid) || (prev === WB.Numeric && numberMid) || (prev === WB.Hebrew && n === WB.DoubleQuote)) {
            if (s.unitAt(midEnd)) {
              const n2 = s.uClass;
              const ok =
                (isAHLetter(prev) && letterMid && isAHLetter(n2)) ||
                (prev === WB.Numeric && numberMid && n2 === WB.Numeric) ||
                (prev === WB.Hebrew && n === WB.DoubleQuote && n2 === WB.Hebrew);
              if (ok) {
                prev = n2;
                pos = s.uEnd;
                continue;
              }
            }
          }
          break;
        }
        if (content) pushToken(out, text, start, pos, maxTokenLength);
        else pos = start + codePointWidth(text, start); // lone "_": dropped alone, rescan what follows
        break;
      }
      case WB.Han:
      case WB.Hiragana:
        pushToken(out, text, start, pos, maxTokenLength);
        break;
      case WB.SouthEastAsian:
        while (s.unitAt(pos) && s.uClass === WB.SouthEastAsian) pos = s.uEnd;
        pushToken(out, text, start, pos, maxTokenLength);
        break;
      case WB.Regional:
        if (s.unitAt(pos) && s.uClass === WB.Regional) {
          pos = s.uEnd;
          pushToken(out, text, start, pos, maxTokenLength);
        } else pos = start + codePointWidth(text, start); // an unpaired indicator is dropped alone
        break;
      case WB.Emoji: {
        pos = joinEmojiSequence(s, text, pos);
        pushToken(out, text, start, pos, maxTokenLength);
        break;
      }
      default:
        if (text.charCodeAt(start) === 35 || text.charCodeAt(start) === 42) {
          const keycapEnd = s.keycapEnd(start);
          if (keycapEnd > 0) {
            pos = keycapEnd;
            pushToken(out, text, start, pos, maxTokenLength);
            break;
          }
        }
        // Lucene drops such a character alone ([^]): what follows it (a South-East-Asian mark, a
        // ZWJ before an emoji) is scanned afresh rather than absorbed by WB4.
        pos = start + codePointWidth(text, start);
        if (text.charCodeAt(start) === 0x200d && s.emojiAfterZwj(start)) {
          // Leading ZWJs belong to the emoji token that follows them.
          while (text.charCodeAt(pos) === 0x200d) pos++;
          s.unitAt(pos);
          pos = joinEmojiSequence(s, text, s.uEnd);
          pushToken(out, text, start, pos, maxTokenLength);
        }
        break; // spaces, punctuation, symbols: not part of any token
    }
  }
}

function codePointWidth(text: string, i: number): number {
  const c = text.charCodeAt(i);
  return c >= 0xd800 && c <= 0xdbff && i + 1 < text.length ? 2 : 1;
}

/**
 * Extends an emoji token over ZWJ sequences: the element just scanned (described by `s`, ending at
 * `pos`) joins the next emoji when ZWJs separate them (absorbed at its end or right after it).
 */
function joinEmojiSequence(s: Scanner, text: string, pos: number): number {
  for (;;) {
    let p = pos;
    if (!s.uZwj && text.charCodeAt(p) !== 0x200d) return pos;
    while (text.charCodeAt(p) === 0x200d) p++;
    if (!s.unitAt(p) || s.uClass !== WB.Emoji) return pos;
    pos = s.uEnd;
  }
}

/** Lucene's scanner buffer holds at most maxTokenLength chars, so longer tokens come out in pieces. */
function pushToken(emit: (start: number, end: number) => void, _text: string, start: number, end: number, max: number): void {
  while (end - start > max) {
    emit(start, start + max);
    start += max;
  }
  emit(start, end);
}
