import { allCandidates, FAMILY_NAMES, type Candidate, type FamilyName } from "./families.js";
import { InputError } from "../../util/errors.js";
import type { TestbedQueryRecord } from "./read.js";
import { TESTBED_SIZES, type TestbedSize, type TestbedSizeName } from "./presets.js";
import { TestbedRng } from "./random.js";
import { splitFamily } from "./split.js";
import { entityDocs, pretrainParagraphs } from "./text.js";
import { UNITS } from "./vocab.js";
import { generateWorld } from "./world.js";

/** Bumped whenever the same seed would produce different files. */
export const TESTBED_GENERATOR_VERSION = 1;

export const TESTBED_INSTRUCTION = "Given a question about the world, retrieve the document describing the entity that answers it.";

/** A generated question: the contract's fields plus the extras the generator always writes. */
export interface TestbedQuery extends TestbedQueryRecord {
  /** The answer entity, as the reasoning names it (extra field: readers must not require it). */
  answer: string;
  /** The canonical pretrain sentences the gold chain uses (extra field). */
  facts: string[];
}

export interface Testbed {
  seed: number;
  sizeName: string;
  size: TestbedSize;
  instruction: string;
  corpus: { id: string; text: string }[];
  pretrain: string[];
  train: TestbedQuery[];
  dev: TestbedQuery[];
  test: TestbedQuery[];
}

/**
 * A whole testbed in memory, fixed by (seed, size). `size` is a preset name or explicit counts (for
 * a world of another shape, e.g. a smaller smoke test); the manifest then says "custom".
 */
export function makeTestbed(seed: number, size: TestbedSizeName | TestbedSize = "default"): Testbed {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new InputError(`testbed seed must be an integer in [0, 2^32), got ${seed}`);
  const sizeName = typeof size === "string" ? size : "custom";
  if (typeof size === "string") {
    if (!Object.hasOwn(TESTBED_SIZES, size)) throw new InputError(`unknown testbed size "${size}" (expected ${Object.keys(TESTBED_SIZES).join(", ")})`);
    size = TESTBED_SIZES[size];
  }
  for (const [k, v] of Object.entries(size.split)) if (!Number.isInteger(v) || v < 1) throw new InputError(`testbed split size ${k} must be a positive integer, got ${v}`);
  const rng = new TestbedRng(seed);
  const world = generateWorld(rng.fork(100), size.world);

  const docs = entityDocs(world);
  const docIds = new Map<string, string>();
  const corpus = rng.fork(101).shuffled([...docs.keys()]).map((name, i) => {
    const id = `D${String(i + 1).padStart(4, "0")}`;
    docIds.set(name, id);
    return { id, text: docs.get(name)! };
  });

  const cands = allCandidates(world, rng.fork(102));
  const splits = { train: [] as Candidate[], dev: [] as Candidate[], test: [] as Candidate[] };
  FAMILY_NAMES.forEach((fam: FamilyName, i) => {
    const s = splitFamily(cands.filter((c) => c.family === fam), size.split, rng.fork(200 + i));
    splits.train.push(...s.train);
    splits.dev.push(...s.dev);
    splits.test.push(...s.test);
  });
  for (const s of ["train", "dev", "test"] as const) if (splits[s].length === 0) throw new InputError(`testbed: a world this small leaves no ${s} questions; give it more entities`);
  const toQuery = (prefix: string) => (c: Candidate, i: number): TestbedQuery => ({
    id: `${prefix}-${String(i + 1).padStart(4, "0")}`,
    query: c.query,
    positives: [docIds.get(c.answer)!],
    negatives: c.negatives.map((n) => docIds.get(n)!),
    reasoning: c.reasoning,
    family: c.family,
    answer: c.answer,
    facts: c.facts,
  });
  const order = rng.fork(103);
  return {
    seed,
    sizeName,
    size,
    instruction: TESTBED_INSTRUCTION,
    corpus,
    pretrain: pretrainParagraphs(world, UNITS),
    train: order.shuffled(splits.train).map(toQuery("train")),
    dev: order.shuffled(splits.dev).map(toQuery("dev")),
    test: order.shuffled(splits.test).map(toQuery("test")),
  };
}
