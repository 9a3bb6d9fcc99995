import { InputError } from "../../util/errors.js";
import { makeNames } from "./names.js";
import type { TestbedRng } from "./random.js";
import * as V from "./vocab.js";

/**
 * The generated world: people, workshops, towns, priced items, guild halls and a creature taxonomy.
 * Every relation is a function (each person has one mentor, one rival, one employer; each workshop
 * one founder), so every question built on it has exactly one answer.
 */

/** How many of each thing the world holds. */
export interface WorldSize {
  persons: number;
  orgs: number;
  towns: number;
  /** Item kinds (lantern, blade, ...); each kind has one item per price 1..pricesPerKind crowns. */
  itemKinds: number;
  pricesPerKind: number;
  /** Occupations in use; each has one guild hall per region. */
  occupations: number;
  creatures: number;
  /** Coverings × habitats kin groups ("families"), grouped into `orders`. */
  coverings: number;
  habitats: number;
  orders: number;
}

export interface Town { name: string; region: string; site: string; note: string }
export interface Person { name: string; occupation: number; town: Town; eyes: string; temper: string; habit: string; mentor?: Person; rival?: Person; employer?: Org }
export interface Org { name: string; trade: string; town: Town; note: string; founder: Person }
export interface Item { name: string; kind: string; price: number; material: string; color: string; town: Town }
export interface Hall { name: string; occupation: number; region: string; look: string; note: string }
export interface Order { name: string; families: Family[] }
export interface Family { name: string; covering: string; habitat: string; note: string; order?: Order }
export interface Creature { name: string; family: Family; size: string; diet: string; sound: string; color: string }

export interface World {
  size: WorldSize;
  towns: Town[];
  persons: Person[];
  orgs: Org[];
  items: Item[];
  halls: Hall[];
  families: Family[];
  orders: Order[];
  creatures: Creature[];
}

/** Every word the templates use, so that no name collides with one. */
const TEMPLATE_WORDS = new Set(
  [V.OCCUPATIONS.flat(), V.REGIONS, V.EYES, V.TEMPERS, V.TRADES, V.ITEM_KINDS, V.MATERIALS, V.COLORS, V.COVERINGS, V.HABITATS, V.DIETS, V.SIZES, V.UNITS.map((u) => u.many), [V.BASE_UNIT.one, V.BASE_UNIT.many]]
    .flat()
    .concat([...V.HABITS, ...V.ORG_NOTES, ...V.TOWN_SITES, ...V.TOWN_NOTES, ...V.HALL_LOOKS, ...V.HALL_NOTES, ...V.SOUNDS, ...V.KIN_NOTES].flatMap((p) => p.split(" "))),
);

function limit(what: string, n: number, max: number): void {
  if (n > max) throw new InputError(`world size: ${what} is ${n}, at most ${max} (the word lists hold ${max})`);
}

export function checkWorldSize(s: WorldSize): void {
  for (const [k, v] of Object.entries(s)) if (!Number.isInteger(v) || v < 1) throw new InputError(`world size: ${k} must be a positive integer, got ${v}`);
  limit("occupations", s.occupations, V.OCCUPATIONS.length);
  limit("itemKinds", s.itemKinds, V.ITEM_KINDS.length);
  limit("coverings", s.coverings, V.COVERINGS.length);
  limit("habitats", s.habitats, V.HABITATS.length);
  if (s.persons < 4) throw new InputError(`world size: persons must be at least 4, got ${s.persons}`);
  if (s.towns < V.REGIONS.length) throw new InputError(`world size: towns must be at least ${V.REGIONS.length}, got ${s.towns}`);
  if (s.orders > s.coverings * s.habitats) throw new InputError(`world size: orders (${s.orders}) exceed the ${s.coverings * s.habitats} kin groups`);
}

/** How many entities (each with a name and one document) a world of this size holds. */
export function entityCount(s: WorldSize): number {
  return s.towns + s.persons + s.orgs + s.itemKinds * s.pricesPerKind + s.occupations * V.REGIONS.length + s.coverings * s.habitats + s.orders + s.creatures;
}

export function generateWorld(rng: TestbedRng, size: WorldSize): World {
  checkWorldSize(size);
  const names = makeNames(rng.fork(1), entityCount(size), TEMPLATE_WORDS);
  let next = 0;
  const name = (): string => names[next++]!;
  const r = rng.fork(2);

  const towns: Town[] = [];
  for (let i = 0; i < size.towns; i++) towns.push({ name: name(), region: V.REGIONS[i % V.REGIONS.length]!, site: r.pick(V.TOWN_SITES), note: r.pick(V.TOWN_NOTES) });

  const persons: Person[] = [];
  for (let i = 0; i < size.persons; i++) {
    persons.push({ name: name(), occupation: r.int(size.occupations), town: r.pick(towns), eyes: r.pick(V.EYES), temper: r.pick(V.TEMPERS), habit: r.pick(V.HABITS) });
  }
  const orgs: Org[] = [];
  for (let i = 0; i < size.orgs; i++) orgs.push({ name: name(), trade: r.pick(V.TRADES), town: r.pick(towns), note: r.pick(V.ORG_NOTES), founder: r.pick(persons) });
  for (const p of persons) {
    p.mentor = drawOther(r, persons, [p]);
    p.rival = drawOther(r, persons, [p, p.mentor]);
    p.employer = r.pick(orgs);
  }

  const items: Item[] = [];
  for (let k = 0; k < size.itemKinds; k++) {
    for (let price = 1; price <= size.pricesPerKind; price++) {
      items.push({ name: name(), kind: V.ITEM_KINDS[k]!, price, material: r.pick(V.MATERIALS), color: r.pick(V.COLORS), town: r.pick(towns) });
    }
  }

  const halls: Hall[] = [];
  for (let o = 0; o < size.occupations; o++) for (const region of V.REGIONS) halls.push({ name: name(), occupation: o, region, look: r.pick(V.HALL_LOOKS), note: r.pick(V.HALL_NOTES) });

  const families: Family[] = [];
  for (let c = 0; c < size.coverings; c++) for (let h = 0; h < size.habitats; h++) families.push({ name: name(), covering: V.COVERINGS[c]!, habitat: V.HABITATS[h]!, note: r.pick(V.KIN_NOTES) });
  const orders: Order[] = [];
  for (let i = 0; i < size.orders; i++) orders.push({ name: name(), families: [] });
  // Round-robin over a shuffled list: every order gets members, and membership is not implied by the features.
  r.shuffled(families).forEach((f, i) => {
    const o = orders[i % orders.length]!;
    f.order = o;
    o.families.push(f);
  });
  for (const o of orders) o.families.sort((a, b) => families.indexOf(a) - families.indexOf(b));

  const creatures: Creature[] = [];
  for (let i = 0; i < size.creatures; i++) {
    // Cycle through the families first so that each has members before any repeats.
    const family = i < families.length ? families[i]! : r.pick(families);
    creatures.push({ name: name(), family, size: r.pick(V.SIZES), diet: r.pick(V.DIETS), sound: r.pick(V.SOUNDS), color: r.pick(V.COLORS) });
  }
  return { size, towns, persons, orgs, items, halls, families, orders, creatures };
}

function drawOther<T>(r: TestbedRng, xs: readonly T[], not: readonly (T | undefined)[]): T {
  for (;;) {
    const x = r.pick(xs);
    if (!not.includes(x)) return x;
  }
}

export function occupationWord(i: number, plural = false): string {
  return V.OCCUPATIONS[i]![plural ? 1 : 0]!;
}

export function hallFor(world: World, occupation: number, region: string): Hall {
  const h = world.halls.find((x) => x.occupation === occupation && x.region === region);
  if (!h) throw new Error(`no hall for occupation ${occupation} in the ${region}`);
  return h;
}
