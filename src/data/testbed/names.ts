import type { TestbedRng } from "./random.js";

/**
 * Word-level entity names built from consonant–vowel syllables ("Talimo", "Zorvux"). The syllable
 * set keeps the vocabulary small for a tiny LM, and the shapes avoid the endings that the Porter
 * stemmer strips (-s, -e, -y, -al, -er, -ic, ...), so each name stays one distinct BM25 term.
 */
const ONSETS = ["b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z"] as const;
const VOWELS = ["a", "i", "o", "u"] as const;
const CODAS = ["", "", "", "n", "r", "x", "k"] as const;

/** Words that a name must never equal: they occur in the templates or are common English. */
const RESERVED = new Set(["tuna", "soda", "lava", "data", "mama", "papa", "toga", "pita", "diva", "kilo", "solo", "polo", "logo", "memo", "demo", "halo", "taxi", "tofu", "guru", "sumo", "judo", "koala", "banana", "tomato", "potato", "piano", "radio", "video", "pasta", "pizza", "gala", "mimosa", "sofa", "lima", "puma", "rumor", "motor", "tutor", "donor", "minor", "major", "manor", "vapor", "tumor", "humor", "razor", "visor", "lunar", "sonar", "molar", "polar", "solar", "fork", "dark", "mark", "park", "bark", "book", "look", "took", "pink", "link", "sink", "tank", "bank", "rank", "monk", "punk", "junk", "dusk", "fax", "tax", "max", "box", "fox", "lux", "sax", "wax", "mix", "fix", "six", "born", "torn", "corn", "horn", "worn", "turn", "burn", "barn", "darn", "yarn", "ruin", "coin", "join", "loin", "iron", "moon", "noon", "soon", "zoom", "loom", "room", "doom", "boom", "tour", "pour", "four", "your", "hour", "sour", "dour", "door", "floor", "poor", "fur", "nor", "for", "tor", "bar", "car", "far", "jar", "tar", "war", "star", "lotus", "bison", "ninja", "manga", "samurai", "karma", "sauna", "tiara", "umbra", "fauna", "flora"]);

/** Makes `count` distinct capitalised names, none equal (case-insensitively) to a word in `avoid`. */
export function makeNames(rng: TestbedRng, count: number, avoid: ReadonlySet<string> = new Set()): string[] {
  const seen = new Set<string>([...avoid].map((w) => w.toLowerCase()));
  const out: string[] = [];
  let tries = 0;
  while (out.length < count) {
    if (++tries > count * 200) throw new Error(`makeNames: could not draw ${count} distinct names`);
    const syllables = rng.next() < 0.35 ? 3 : 2;
    let w = "";
    for (let i = 0; i < syllables; i++) w += rng.pick(ONSETS) + rng.pick(VOWELS);
    w += rng.pick(CODAS);
    if (seen.has(w) || RESERVED.has(w)) continue;
    seen.add(w);
    out.push(w[0]!.toUpperCase() + w.slice(1));
  }
  return out;
}
