/**
 * Word_Break classes for the StandardTokenizer scanner, as Lucene 8.7's jflex grammar (Unicode 9)
 * sees them. Derived from the Unicode properties JS regexes expose, plus the short punctuation
 * lists of UAX#29's WordBreakProperty table; classified on first sight and cached per code point.
 */

export const enum WB {
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

export const RE = {
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
export const CLASS_CACHE = new Uint8Array(0x110000).fill(255);
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

export function classOf(cp: number): WB {
  let k = CLASS_CACHE[cp]!;
  if (k === 255) {
    k = classifySlow(cp);
    CLASS_CACHE[cp] = k;
  }
  return k as WB;
}
