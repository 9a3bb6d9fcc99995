import type { TestbedRng } from "./random.js";
import { crowns, facts } from "./text.js";
import { UNITS } from "./vocab.js";
import { hallFor, type Org, type Person, type World } from "./world.js";

/**
 * The task families. Each turns the world into candidate questions whose answer document shares no
 * word with the question, and whose gold reasoning quotes the canonical facts that lead there and
 * then names the answer (so it shares words with the answer's document).
 */

export const FAMILY_NAMES = ["multihop", "arithmetic", "rule", "category"] as const;
export type FamilyName = (typeof FAMILY_NAMES)[number];

export interface Candidate {
  family: FamilyName;
  query: string;
  reasoning: string;
  /** The answer entity's name; its document is the one positive. */
  answer: string;
  /** Entity names whose documents are near misses (the chain's other entities, siblings). */
  negatives: string[];
  /** The canonical sentences (from pretrain.jsonl) the reasoning uses. */
  facts: string[];
  /** The hold-out unit: a held-out question's group never appears in train. */
  group: string;
  /** Sub-compositions (fact pairs, start/answer pairs): train never contains one a held-out question has. */
  keys: string[];
  /** What a held-out question needs train reasoning to have shown (a rule, a conversion, a kin group). */
  needs: string[];
  /** What this question's reasoning shows, when in train. */
  provides: string[];
  /** A relation path reserved for dev/test (never in train). */
  heldoutOnly: boolean;
}

type Entity = { kind: "person"; e: Person } | { kind: "org"; e: Org };
interface Relation {
  from: Entity["kind"];
  follow(x: Entity): Entity;
  fact(x: Entity): string;
}
const RELATIONS: Record<string, Relation> = {
  founder: { from: "org", follow: (x) => ({ kind: "person", e: (x.e as Org).founder }), fact: (x) => facts.founder(x.e as Org) },
  mentor: { from: "person", follow: (x) => ({ kind: "person", e: (x.e as Person).mentor! }), fact: (x) => facts.mentor(x.e as Person) },
  rival: { from: "person", follow: (x) => ({ kind: "person", e: (x.e as Person).rival! }), fact: (x) => facts.rival(x.e as Person) },
  employer: { from: "person", follow: (x) => ({ kind: "org", e: (x.e as Person).employer! }), fact: (x) => facts.employer(x.e as Person) },
};

/** Relation paths, applied left to right from the named entity. */
export const PATHS: readonly (readonly string[])[] = [
  ["founder", "mentor"], ["founder", "rival"], ["founder", "mentor", "rival"],
  ["mentor", "mentor"], ["mentor", "rival"], ["rival", "mentor"], ["rival", "rival"],
  ["mentor", "employer"], ["rival", "employer"], ["employer", "founder"], ["employer", "founder", "mentor"],
];
/** A path no training question uses: dev and test check that chains compose along unseen paths. */
export const HELDOUT_PATH = "rival>mentor";

const describe = (x: Entity): string => (x.kind === "person" ? facts.personBase(x.e) : facts.orgBase(x.e));

export function multihopCandidates(w: World, rng: TestbedRng): Candidate[] {
  const out: Candidate[] = [];
  const starts: Entity[] = [...w.orgs.map((e) => ({ kind: "org" as const, e })), ...w.persons.map((e) => ({ kind: "person" as const, e }))];
  for (const path of PATHS) {
    for (const start of starts) {
      if (RELATIONS[path[0]!]!.from !== start.kind) continue;
      const chain: Entity[] = [start];
      const used: string[] = [];
      for (const rel of path) {
        const here = chain[chain.length - 1]!;
        used.push(RELATIONS[rel]!.fact(here));
        chain.push(RELATIONS[rel]!.follow(here));
      }
      const names = chain.map((x) => x.e.name);
      if (new Set(names).size !== names.length) continue; // a cycle: "the mentor of the mentor of X" is X
      const answer = chain[chain.length - 1]!;
      let phrase = start.e.name;
      for (const rel of path) phrase = `the ${rel} of ${phrase}`;
      const query = `${answer.kind === "person" ? "Who" : "What"} is ${phrase}?`;
      const reasoning = [...used, describe(answer), `The answer is ${answer.e.name}.`].join(" ");
      const keys = [`ends:${names[0]}>${names[names.length - 1]}`];
      for (let i = 0; i + 1 < path.length; i++) keys.push(`hops:${names[i]}>${path[i]}>${names[i + 1]}>${path[i + 1]}>${names[i + 2]}`);
      const near = new Set<string>(names.slice(0, -1));
      const prev = chain[chain.length - 2]!;
      if (prev.kind === "person") for (const r of ["mentor", "rival"]) near.add(RELATIONS[r]!.follow(prev).e.name);
      if (answer.kind === "person") near.add(answer.e.mentor!.name);
      near.delete(answer.e.name);
      out.push({
        family: "multihop", query, reasoning, answer: answer.e.name, negatives: fill(rng, [...near], answer.kind === "person" ? w.persons : w.orgs, answer.e.name),
        facts: [...used, describe(answer)], group: `${names[0]}|${path.join(">")}`, keys, needs: [], provides: [], heldoutOnly: path.join(">") === HELDOUT_PATH,
      });
    }
  }
  return out;
}

export function arithmeticCandidates(w: World, rng: TestbedRng): Candidate[] {
  const out: Candidate[] = [];
  for (const item of w.items) {
    for (const unit of UNITS) {
      const amount = item.price * unit.perCrown;
      const sameKind = w.items.filter((x) => x.kind === item.kind);
      const near = [
        ...sameKind.filter((x) => x.price === amount || Math.abs(x.price - item.price) === 1),
        ...w.items.filter((x) => x.kind !== item.kind && x.price === item.price).slice(0, 2),
      ].map((x) => x.name);
      const conv = `conv:${amount}:${unit.many}`;
      out.push({
        family: "arithmetic",
        query: `Which ${item.kind} costs ${amount} ${unit.many}?`,
        reasoning: [facts.rate(unit.many, unit.perCrown), `${amount} ${unit.many} divided by ${unit.perCrown} is ${crowns(item.price)}.`, facts.itemPrice(item), `The answer is ${item.name}.`].join(" "),
        answer: item.name, negatives: fill(rng, near.filter((n) => n !== item.name), sameKind, item.name),
        facts: [facts.rate(unit.many, unit.perCrown), facts.itemPrice(item)], group: `${item.name}|${unit.many}`, keys: [], needs: [conv], provides: [conv], heldoutOnly: false,
      });
    }
  }
  return out;
}

export function ruleCandidates(w: World, rng: TestbedRng): Candidate[] {
  return w.persons.map((p) => {
    const hall = hallFor(w, p.occupation, p.town.region);
    const used = [facts.personBase(p), facts.townRegion(p.town), facts.hallRule(hall)];
    const near = [p.name, p.town.name, ...w.halls.filter((h) => h !== hall && (h.occupation === p.occupation || h.region === p.town.region)).map((h) => h.name)];
    return {
      family: "rule" as const, query: `Where must ${p.name} register?`, reasoning: [...used, `The answer is ${hall.name}.`].join(" "),
      answer: hall.name, negatives: fill(rng, near, w.halls, hall.name), facts: used, group: p.name, keys: [], needs: [`hall:${hall.name}`], provides: [`hall:${hall.name}`], heldoutOnly: false,
    };
  });
}

export function categoryCandidates(w: World, rng: TestbedRng): Candidate[] {
  const out: Candidate[] = [];
  for (const c of w.creatures) {
    const f = c.family;
    const o = f.order!;
    const kin = w.families.filter((x) => x !== f && (x.covering === f.covering || x.habitat === f.habitat)).map((x) => x.name);
    const famUsed = [facts.creatureKind(c), facts.familyDef(f)];
    out.push({
      family: "category", query: `To which family does the ${c.name} belong?`, reasoning: [...famUsed, `The answer is ${f.name}.`].join(" "),
      answer: f.name, negatives: fill(rng, [c.name, ...kin], w.families, f.name), facts: famUsed, group: c.name, keys: [], needs: [`fam:${f.name}`], provides: [`fam:${f.name}`], heldoutOnly: false,
    });
    // The order chain states the kin group briefly and then describes the order, so that its
    // words lean toward the order's document rather than the kin group's.
    const ordUsed = [...famUsed, facts.familyOrder(f), facts.orderBase(o)];
    const ordSteps = [facts.creatureKind(c), `So the ${c.name} is one of the ${f.name}.`, facts.familyOrder(f), facts.orderBase(o), `The answer is ${o.name}.`];
    out.push({
      family: "category", query: `To which order does the ${c.name} belong?`, reasoning: ordSteps.join(" "),
      answer: o.name, negatives: fill(rng, [c.name, f.name, ...w.orders.filter((x) => x !== o).map((x) => x.name)], w.orders, o.name),
      facts: ordUsed, group: c.name, keys: [], needs: [`fam:${f.name}`, `ord:${f.name}`], provides: [`fam:${f.name}`, `ord:${f.name}`], heldoutOnly: false,
    });
  }
  return out;
}

/** How many near-miss documents a question lists. */
export const NEGATIVES_PER_QUERY = 6;

/** The near misses first (deduplicated), then same-type entities drawn at random, up to NEGATIVES_PER_QUERY. */
function fill(rng: TestbedRng, near: readonly string[], pool: readonly { name: string }[], answer: string): string[] {
  const out: string[] = [];
  for (const n of near) if (n !== answer && !out.includes(n) && out.length < NEGATIVES_PER_QUERY) out.push(n);
  const rest = pool.filter((x) => x.name !== answer && !out.includes(x.name));
  for (const x of rng.shuffled(rest)) {
    if (out.length >= NEGATIVES_PER_QUERY) break;
    out.push(x.name);
  }
  return out;
}

export function allCandidates(w: World, rng: TestbedRng): Candidate[] {
  return [...multihopCandidates(w, rng.fork(11)), ...arithmeticCandidates(w, rng.fork(12)), ...ruleCandidates(w, rng.fork(13)), ...categoryCandidates(w, rng.fork(14))];
}
