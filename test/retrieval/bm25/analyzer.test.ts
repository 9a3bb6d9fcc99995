import { test } from "node:test";
import assert from "node:assert/strict";
import { analyzeEnglish, ENGLISH_STOP_WORDS, javaLowerCase, porterStem, standardTokenize } from "../../../src/retrieval/bm25/index.js";
import { luceneAnalyze, luceneReference } from "./lucene-reference.js";
import { uniformStream } from "../../../src/util/mulberry32.js";

test("Porter stemmer: the examples of Porter (1980) and Lucene's step rules", () => {
  const cases: Record<string, string> = {
    caresses: "caress", ponies: "poni", ties: "ti", caress: "caress", cats: "cat", feed: "feed", agreed: "agre",
    plastered: "plaster", bled: "bled", motoring: "motor", sing: "sing", conflated: "conflat", troubled: "troubl",
    sized: "size", hopping: "hop", tanned: "tan", falling: "fall", hissing: "hiss", fizzed: "fizz", failing: "fail",
    filing: "file", happy: "happi", sky: "sky", relational: "relat", conditional: "condit", rational: "ration",
    valenci: "valenc", digitizer: "digit", conformabli: "conform", radicalli: "radic", differentli: "differ",
    vileli: "vile", analogousli: "analog", vietnamization: "vietnam", predication: "predic", operator: "oper",
    feudalism: "feudal", decisiveness: "decis", hopefulness: "hope", callousness: "callous", formaliti: "formal",
    sensitiviti: "sensit", sensibiliti: "sensibl", triplicate: "triplic", formative: "form", formalize: "formal",
    electriciti: "electr", electrical: "electr", hopeful: "hope", goodness: "good", revival: "reviv",
    allowance: "allow", inference: "infer", airliner: "airlin", gyroscopic: "gyroscop", adjustable: "adjust",
    defensible: "defens", irritant: "irrit", replacement: "replac", adjustment: "adjust", dependent: "depend",
    adoption: "adopt", homologou: "homolog", communism: "commun", activate: "activ", angulariti: "angular",
    homologous: "homolog", effective: "effect", bowdlerize: "bowdler", probate: "probat", rate: "rate",
    cease: "ceas", controll: "control", roll: "roll", generalization: "gener", oscillators: "oscil", as: "as", is: "is",
    ion: "ion", eed: "eed", aed: "a", archaeology: "archaeolog", "1960s": "1960",
  };
  for (const [w, s] of Object.entries(cases)) assert.equal(porterStem(w), s, w);
});

test("EnglishAnalyzer pieces: 33 stop words, possessives before lower-casing, Java case mapping", () => {
  assert.equal(ENGLISH_STOP_WORDS.size, 33);
  assert.deepEqual(analyzeEnglish("The dog's bones and JOHN'S cats’s toys"), ["dog", "bone", "john", "cat", "toi"]);
  assert.equal(javaLowerCase("İSTANBUL"), "istanbul");
  assert.equal(javaLowerCase("ΣΟΦΟΣ"), "σοφοσ"); // no final-sigma rule in Character.toLowerCase
  assert.deepEqual(standardTokenize("3.14 1,000.5 e.g. a:b foo_bar 中文 ひらがな カタカナ"), ["3.14", "1,000.5", "e.g", "a:b", "foo_bar", "中", "文", "ひ", "ら", "が", "な", "カタカナ"]);
  assert.deepEqual(standardTokenize("x".repeat(300)).map((t) => t.length), [255, 45]);
});

// Hand-picked hard cases: numbers with separators, apostrophes, emoji sequences, CJK, Hebrew, Thai,
// format characters, overlong tokens. Lucene is the reference for every one of them.
const UNICODE_CASES = [
  "3.14 1,000.50 1,000,000 a.b.c e.g. U.S.A. don't John's JOHN'S O'Neil's rock’n’roll it’s dogs＇s",
  "a:b foo_bar _foo bar_ __ ___x 12_34 x1.2 1.a a-b a/b email@example.com http://x.org/a?b=c",
  "中文分词测试 日本語のテキスト ひらがな カタカナ テスト カタカナabc 한국어 텍스트 ไทยภาษา ພາສາລາວ",
  "😀 👍🏽 👨‍👩‍👧 🇫🇷🇩🇪 © ©️ ☺ ☺️ #️⃣ 1️⃣ ✔ ✔️ ❤️ 🙂🙂 ™ ® ‼ ↔ ㊗ ⓜ 🏽 ❤‍🔥 🏴󠁧󠁢󠁳󠁣󠁴󠁿",
  "İstanbul ΣΟΦΟΣ Straße ǅemal ﬁnance café naïve Ångström résumé",
  "a".repeat(300) + " " + "b".repeat(600),
  "x\u00ADy soft\u200Bhyphen zw\u200Dj e\u0301t\u0301e \u0301lead",
  "אב\"ג א'ב שָׁלוֹם 123'456 1'a 1٫5 ١٢٣ ５６ ＡＢＣ abc’s",
  "semi;colon 1;2 1:2 a·b a.1 1.5.a 2x4 x86_64 C++ C# .NET node.js 3d-printing",
  "tab\there new\nline \r\n crlf\u2028ls\u0085nel ①②③ ⅻ ½ ²³ x²",
  "Ⓐⓑ ｶﾀｶﾅ ｶﾞ ﾟ 〇 々 ゝゞ ー ・ 〜 abc·def a\u2019b 'quoted' \"dq\"",
  "ALGOL's IBM's 1960's it's I'm we're they've can't won't isn't",
  "x😀y 1😀 😀z א'1 א'ב א'.ב א'_ב א' א'_ א\"ב א\"1 ｶﾞｷﾞ ﾊﾟﾝ x\uFE0Fy 1\uFE0F 1\uFE0F\u20E3x",
  "😀\uFE0E ©\uFE0E ☺\uFE0Ex 👍🏽x \u200D😀 a\u200Db x\u200D😀 中\u200D😀 ↩\uFE0E footnote",
];

test("analyzer equals Lucene 8 EnglishAnalyzer on hand-picked Unicode cases", (t) => {
  const ref = luceneReference();
  if ("skip" in ref) return t.skip(ref.skip);
  const lucene = luceneAnalyze(ref.classpath, UNICODE_CASES.map((text, i) => ({ id: String(i), text })));
  UNICODE_CASES.forEach((text, i) => assert.deepEqual(analyzeEnglish(text), lucene[i], JSON.stringify(text)));
});

/** Characters where UAX#29 implementations disagree: separators, marks, scripts, emoji parts. */
const FUZZ_ALPHABET = [
  ..."abcXYZ019 .,'’:_-;\"/@#*!?()$%&+=<–", "é", "ü", "ß", "İ", "Σ", "ǅ", "ʰ", "ª", "\u0301", "\u00AD", "\u200D", "\uFE0F", "\uFE0E",
  "\u20E3", "\u0E31", "\u202F", "\u3000", "\u2028", "\u0085", "\n", "\t", "中", "文", "々", "〇", "ひ", "ゝ", "カ", "ー", "ｶ", "ﾞ", "한",
  "א", "ב", "\u05F3", "\u05F4", "ไ", "ท", "١", "٫", "１", "Ａ", "＇", "·", "\u0387", "\u2027", "\u2024", "\uFE52", "\u037E", "‿",
  "⅓", "Ⅻ", "😀", "👍", "👨", "👩", "❤", "🔥", "🏽", "🏴", "\u{E0067}", "\u{E007F}", "🇫", "🇷", "©", "↩", "'s", "'S", "\u2019s",
];

test("analyzer equals Lucene 8 EnglishAnalyzer on 3,000 random strings of tricky characters", (t) => {
  const ref = luceneReference();
  if ("skip" in ref) return t.skip(ref.skip);
  const rand = uniformStream(20261122); // fixed seed: the same strings every run
  const texts = Array.from({ length: 3000 }, () => Array.from({ length: 1 + Math.floor(rand() * 12) }, () => FUZZ_ALPHABET[Math.floor(rand() * FUZZ_ALPHABET.length)]).join(""));
  const lucene = luceneAnalyze(ref.classpath, texts.map((text, i) => ({ id: String(i), text })));
  const differing = texts.filter((text, i) => analyzeEnglish(text).join(" ") !== lucene[i]!.join(" "));
  assert.deepEqual(differing.slice(0, 5).map((x) => JSON.stringify(x)), [], `${differing.length} of ${texts.length} strings differ`);
});
