import { BASE_UNIT } from "./vocab.js";
import { occupationWord, type Creature, type Family, type Hall, type Item, type Order, type Org, type Person, type Town, type World } from "./world.js";

/**
 * The world in words. `facts` are the canonical sentences: pretrain.jsonl states each one verbatim
 * and gold reasoning quotes them, so "every fact a chain uses is in the pretraining text" is a
 * substring check. `docs` describe each entity without the words questions use (relation nouns,
 * item kinds, "family", "order", "register", units): the question alone cannot find its answer.
 */

const cap = (s: string): string => s[0]!.toUpperCase() + s.slice(1);
export const crowns = (n: number): string => `${n} ${n === 1 ? BASE_UNIT.one : BASE_UNIT.many}`;

export const facts = {
  personBase: (p: Person) => `${p.name} is a ${occupationWord(p.occupation)} in ${p.town.name}.`,
  personLook: (p: Person) => `${p.name} has ${p.eyes} eyes and a ${p.temper} manner.`,
  personHabit: (p: Person) => `${p.name} ${p.habit}.`,
  mentor: (p: Person) => `The mentor of ${p.name} is ${p.mentor!.name}.`,
  rival: (p: Person) => `The rival of ${p.name} is ${p.rival!.name}.`,
  employer: (p: Person) => `The employer of ${p.name} is ${p.employer!.name}.`,
  orgBase: (o: Org) => `${o.name} is a ${o.trade} in ${o.town.name}.`,
  orgNote: (o: Org) => `${o.name} ${o.note}.`,
  founder: (o: Org) => `The founder of ${o.name} is ${o.founder.name}.`,
  townRegion: (t: Town) => `${t.name} is a town in the ${t.region}.`,
  townSite: (t: Town) => `${t.name} lies ${t.site}.`,
  townNote: (t: Town) => `${t.name} is known for ${t.note}.`,
  itemPrice: (i: Item) => `The ${i.kind} that costs ${crowns(i.price)} is ${i.name}.`,
  itemLook: (i: Item) => `${i.name} is made of ${i.material} and painted ${i.color}.`,
  itemTown: (i: Item) => `${i.name} was crafted in ${i.town.name}.`,
  rate: (unit: string, perCrown: number) => `One ${BASE_UNIT.one} is worth ${perCrown} ${unit}.`,
  hallRule: (h: Hall) => `${cap(occupationWord(h.occupation, true))} from the ${h.region} register at the ${h.name} hall.`,
  hallLook: (h: Hall) => `${h.name} has ${h.look}.`,
  hallNote: (h: Hall) => `${h.name} ${h.note}.`,
  creatureKind: (c: Creature) => `The ${c.name} has ${c.family.covering} and lives in ${c.family.habitat}.`,
  creatureLook: (c: Creature) => `The ${c.name} is a ${c.size} beast that eats ${c.diet}.`,
  creatureSound: (c: Creature) => `The ${c.name} ${c.sound}.`,
  creatureColor: (c: Creature) => `The ${c.name} is ${c.color}.`,
  familyDef: (f: Family) => `Creatures with ${f.covering} that live in ${f.habitat} form the ${f.name} family.`,
  familyNote: (f: Family) => `The ${f.name} ${f.note}.`,
  familyOrder: (f: Family) => `The ${f.name} family is part of the ${f.order!.name} order.`,
  orderBase: (o: Order) => `${o.name} is a great branch of living things.`,
};

/** The corpus: one document per entity, keyed by the entity's name. */
export function entityDocs(w: World): Map<string, string> {
  const docs = new Map<string, string>();
  const add = (name: string, sentences: string[]): void => {
    if (docs.has(name)) throw new Error(`two entities named ${name}`);
    docs.set(name, sentences.join(" "));
  };
  for (const t of w.towns) add(t.name, [facts.townRegion(t), facts.townSite(t), facts.townNote(t)]);
  for (const p of w.persons) add(p.name, [facts.personBase(p), facts.personLook(p), facts.personHabit(p)]);
  for (const o of w.orgs) add(o.name, [facts.orgBase(o), facts.orgNote(o), `Many people of ${o.town.name} earn their bread at ${o.name}.`]);
  for (const i of w.items) add(i.name, [`${i.name} sells for ${crowns(i.price)}.`, facts.itemLook(i), facts.itemTown(i)]);
  for (const h of w.halls) add(h.name, [`${h.name} is a hall for ${occupationWord(h.occupation, true)} from the ${h.region}.`, facts.hallLook(h), facts.hallNote(h)]);
  for (const f of w.families) add(f.name, [`The ${f.name} are creatures with ${f.covering} that live in ${f.habitat}.`, facts.familyNote(f), `Young ${f.name} stay close to the ${f.habitat} of their birth.`]);
  for (const o of w.orders) add(o.name, [facts.orderBase(o), `${o.name} includes ${listNames(o.families.map((f) => `the ${f.name}`))}.`]);
  for (const c of w.creatures) add(c.name, [facts.creatureLook(c), facts.creatureSound(c), facts.creatureColor(c)]);
  return docs;
}

/** The pretraining text: one paragraph per entity (every canonical fact about it) plus the currency table. */
export function pretrainParagraphs(w: World, units: readonly { many: string; perCrown: number }[]): string[] {
  const out: string[] = [];
  for (const t of w.towns) out.push([facts.townRegion(t), facts.townSite(t), facts.townNote(t)].join(" "));
  for (const p of w.persons) out.push([facts.personBase(p), facts.personLook(p), facts.personHabit(p), facts.mentor(p), facts.rival(p), facts.employer(p)].join(" "));
  for (const o of w.orgs) out.push([facts.orgBase(o), facts.founder(o), facts.orgNote(o)].join(" "));
  out.push(units.map((u) => facts.rate(u.many, u.perCrown)).join(" "));
  for (const i of w.items) out.push([facts.itemPrice(i), facts.itemLook(i), facts.itemTown(i)].join(" "));
  for (const h of w.halls) out.push([facts.hallRule(h), facts.hallLook(h), facts.hallNote(h)].join(" "));
  for (const f of w.families) out.push([facts.familyDef(f), facts.familyOrder(f), facts.familyNote(f)].join(" "));
  for (const o of w.orders) out.push(`${facts.orderBase(o)} ${o.name} includes ${listNames(o.families.map((f) => `the ${f.name}`))}.`);
  for (const c of w.creatures) out.push([facts.creatureKind(c), facts.creatureLook(c), facts.creatureSound(c), facts.creatureColor(c)].join(" "));
  return out;
}

function listNames(xs: readonly string[]): string {
  if (xs.length <= 1) return xs.join("");
  return `${xs.slice(0, -1).join(", ")} and ${xs[xs.length - 1]}`;
}
