/**
 * The classic Porter (1980) stemmer exactly as Lucene's org.apache.lucene.analysis.en.PorterStemmer
 * behaves (Release 3 of Martin Porter's reference code, with its two bounds fixes and the "logi"
 * rule). Works on UTF-16 code units like Java's char[]; any non a/e/i/o/u/y unit is a consonant.
 * Words of fewer than 3 units are returned unchanged.
 */

const A = 97, E = 101, I = 105, O = 111, U = 117, Y = 121;

class Stemmer {
  b: number[] = [];
  k = 0;
  j = 0;

  private cons(i: number): boolean {
    const c = this.b[i]!;
    if (c === A || c === E || c === I || c === O || c === U) return false;
    if (c === Y) return i === 0 ? true : !this.cons(i - 1);
    return true;
  }

  /** Number of VC sequences in b[0..j]. */
  private m(): number {
    let n = 0;
    let i = 0;
    const j = this.j;
    for (;;) {
      if (i > j) return n;
      if (!this.cons(i)) break;
      i++;
    }
    i++;
    for (;;) {
      for (;;) {
        if (i > j) return n;
        if (this.cons(i)) break;
        i++;
      }
      i++;
      n++;
      for (;;) {
        if (i > j) return n;
        if (!this.cons(i)) break;
        i++;
      }
      i++;
    }
  }

  private vowelInStem(): boolean {
    for (let i = 0; i <= this.j; i++) if (!this.cons(i)) return true;
    return false;
  }

  private doubleC(j: number): boolean {
    if (j < 1) return false;
    if (this.b[j] !== this.b[j - 1]) return false;
    return this.cons(j);
  }

  private cvc(i: number): boolean {
    if (i < 2 || !this.cons(i) || this.cons(i - 1) || !this.cons(i - 2)) return false;
    const ch = this.b[i];
    return !(ch === 119 || ch === 120 || ch === Y); // w, x, y
  }

  private ends(s: string): boolean {
    const l = s.length;
    const o = this.k - l + 1;
    if (o < 0) return false;
    for (let i = 0; i < l; i++) if (this.b[o + i] !== s.charCodeAt(i)) return false;
    this.j = this.k - l;
    return true;
  }

  private setTo(s: string): void {
    const o = this.j + 1;
    for (let i = 0; i < s.length; i++) this.b[o + i] = s.charCodeAt(i);
    this.k = this.j + s.length;
  }

  private r(s: string): void {
    if (this.m() > 0) this.setTo(s);
  }

  /** Plurals, -ed, -ing. */
  step1(): void {
    const b = this.b;
    if (b[this.k] === 115) {
      if (this.ends("sses")) this.k -= 2;
      else if (this.ends("ies")) this.setTo("i");
      else if (b[this.k - 1] !== 115) this.k--;
    }
    if (this.ends("eed")) {
      if (this.m() > 0) this.k--;
    } else if ((this.ends("ed") || this.ends("ing")) && this.vowelInStem()) {
      this.k = this.j;
      if (this.ends("at")) this.setTo("ate");
      else if (this.ends("bl")) this.setTo("ble");
      else if (this.ends("iz")) this.setTo("ize");
      else if (this.doubleC(this.k)) {
        const ch = b[this.k--];
        if (ch === 108 || ch === 115 || ch === 122) this.k++; // l, s, z
      } else if (this.m() === 1 && this.cvc(this.k)) this.setTo("e");
    }
  }

  /** Terminal y to i when the stem has another vowel. */
  step2(): void {
    if (this.ends("y") && this.vowelInStem()) this.b[this.k] = I;
  }

  /** Double suffixes to single ones; the rule list is keyed on the penultimate letter. */
  step3(): void {
    if (this.k === 0) return;
    const rules = STEP3[String.fromCharCode(this.b[this.k - 1]!)];
    if (rules) this.applyFirst(rules);
  }

  step4(): void {
    const rules = STEP4[String.fromCharCode(this.b[this.k]!)];
    if (rules) this.applyFirst(rules);
  }

  private applyFirst(rules: readonly (readonly [string, string])[]): void {
    for (const [suffix, repl] of rules) {
      if (this.ends(suffix)) {
        this.r(repl);
        return;
      }
    }
  }

  /** -ant, -ence etc. in context <c>vcvc<v>. */
  step5(): void {
    if (this.k === 0) return;
    const suffixes = STEP5[String.fromCharCode(this.b[this.k - 1]!)];
    if (!suffixes) return;
    let matched = false;
    for (const s of suffixes) {
      if (s === "ion") {
        if (this.ends("ion") && this.j >= 0 && (this.b[this.j] === 115 || this.b[this.j] === 116)) {
          matched = true;
          break;
        }
      } else if (this.ends(s)) {
        matched = true;
        break;
      }
    }
    if (matched && this.m() > 1) this.k = this.j;
  }

  /** Final -e, and -ll to -l, when m() > 1. */
  step6(): void {
    this.j = this.k;
    if (this.b[this.k] === E) {
      const a = this.m();
      if (a > 1 || (a === 1 && !this.cvc(this.k - 1))) this.k--;
    }
    if (this.b[this.k] === 108 && this.doubleC(this.k) && this.m() > 1) this.k--;
  }
}

const STEP3: Record<string, readonly (readonly [string, string])[]> = {
  a: [["ational", "ate"], ["tional", "tion"]],
  c: [["enci", "ence"], ["anci", "ance"]],
  e: [["izer", "ize"]],
  l: [["bli", "ble"], ["alli", "al"], ["entli", "ent"], ["eli", "e"], ["ousli", "ous"]],
  o: [["ization", "ize"], ["ation", "ate"], ["ator", "ate"]],
  s: [["alism", "al"], ["iveness", "ive"], ["fulness", "ful"], ["ousness", "ous"]],
  t: [["aliti", "al"], ["iviti", "ive"], ["biliti", "ble"]],
  g: [["logi", "log"]],
};

const STEP4: Record<string, readonly (readonly [string, string])[]> = {
  e: [["icate", "ic"], ["ative", ""], ["alize", "al"]],
  i: [["iciti", "ic"]],
  l: [["ical", "ic"], ["ful", ""]],
  s: [["ness", ""]],
};

const STEP5: Record<string, readonly string[]> = {
  a: ["al"],
  c: ["ance", "ence"],
  e: ["er"],
  i: ["ic"],
  l: ["able", "ible"],
  n: ["ant", "ement", "ment", "ent"],
  o: ["ion", "ou"],
  s: ["ism"],
  t: ["ate", "iti"],
  u: ["ous"],
  v: ["ive"],
  z: ["ize"],
};

const stemmer = new Stemmer();

/**
 * Stems repeat with the vocabulary (Zipf): remembering recent ones makes stemming ~free for common
 * words. Bounded so a huge vocabulary cannot grow it without limit; cleared when full.
 */
const STEM_CACHE_LIMIT = 200_000;
const stemCache = new Map<string, string>();

/** Stems one (already lower-cased) word. */
export function porterStem(word: string): string {
  if (word.length < 3) return word;
  const hit = stemCache.get(word);
  if (hit !== undefined) return hit;
  const out = stemUncached(word);
  if (stemCache.size >= STEM_CACHE_LIMIT) stemCache.clear();
  stemCache.set(word, out);
  return out;
}

function stemUncached(word: string): string {
  const s = stemmer;
  s.b.length = 0;
  for (let i = 0; i < word.length; i++) s.b.push(word.charCodeAt(i));
  s.k = word.length - 1;
  s.j = 0;
  s.step1();
  s.step2();
  s.step3();
  s.step4();
  s.step5();
  s.step6();
  return String.fromCharCode(...s.b.slice(0, s.k + 1));
}
