import type { Candidate } from "./families.js";
import type { TestbedRng } from "./random.js";

/**
 * Held-out compositions. Dev and test questions are drawn first, by hold-out group; train then keeps
 * only questions that share no group and no sub-composition key with them, and that never use a
 * held-out relation path. A held-out question survives only if train teaches everything it needs
 * (its rule, its conversion, its kin group), so the test measures composing known pieces, not
 * naming things never seen in training reasoning.
 */

export interface SplitSizes {
  /** Most training questions per family. */
  trainPerFamily: number;
  devPerFamily: number;
  testPerFamily: number;
}

export interface Split {
  train: Candidate[];
  dev: Candidate[];
  test: Candidate[];
}

/** Held-out groups drawn beyond dev + test, to spare ones whose needs train does not cover. */
const SPARE = 0.2;
/** At most this share of a family's groups is held out, so train keeps the rest. */
const MAX_HELD_SHARE = 0.6;

export function splitFamily(cands: readonly Candidate[], sizes: SplitSizes, rng: TestbedRng): Split {
  const byGroup = new Map<string, Candidate[]>();
  for (const c of rng.shuffled(cands)) {
    const g = byGroup.get(c.group);
    if (g) g.push(c);
    else byGroup.set(c.group, [c]);
  }
  const groups = [...byGroup.keys()];
  const perGroup = cands.length / Math.max(1, groups.length);
  const wanted = Math.ceil(((sizes.devPerFamily + sizes.testPerFamily) * (1 + SPARE)) / perGroup);
  const onlyHeld = groups.filter((g) => byGroup.get(g)!.some((c) => c.heldoutOnly));
  const open = groups.filter((g) => !onlyHeld.includes(g));
  const nHeld = Math.min(wanted, Math.floor(groups.length * MAX_HELD_SHARE));
  // About a fifth of the held-out questions, where the family has any, walk a path train never uses.
  const fromOnly = Math.min(onlyHeld.length, Math.round(nHeld * 0.2));
  const held = rng.shuffled([...onlyHeld.slice(0, fromOnly), ...open.slice(0, nHeld - fromOnly)]);
  const heldSet = new Set(held);
  const heldKeys = new Set(held.flatMap((g) => byGroup.get(g)!.flatMap((c) => c.keys)));

  const pool = open.filter((g) => !heldSet.has(g)).flatMap((g) => byGroup.get(g)!).filter((c) => !c.keys.some((k) => heldKeys.has(k)));
  // Train first covers what held-out questions need, then fills up to its cap in the drawn order.
  const needed = new Set(held.flatMap((g) => byGroup.get(g)!.flatMap((c) => c.needs)));
  const train: Candidate[] = [];
  const taken = new Set<Candidate>();
  const provided = new Set<string>();
  for (const c of pool) {
    if (train.length >= sizes.trainPerFamily) break;
    if (c.provides.some((p) => needed.has(p) && !provided.has(p))) {
      train.push(c);
      taken.add(c);
      for (const p of c.provides) provided.add(p);
    }
  }
  for (const c of pool) {
    if (train.length >= sizes.trainPerFamily) break;
    if (taken.has(c)) continue;
    train.push(c);
    for (const p of c.provides) provided.add(p);
  }

  const test: Candidate[] = [];
  const dev: Candidate[] = [];
  for (const g of held) {
    const qs = byGroup.get(g)!;
    if (!qs.every((c) => c.needs.every((n) => provided.has(n)))) continue;
    if (test.length < sizes.testPerFamily) test.push(...qs);
    else if (dev.length < sizes.devPerFamily) dev.push(...qs);
  }
  return { train, dev, test };
}
