import { allCandidates, FAMILY_NAMES, type Candidate, type FamilyName } from "./families.js";
import { TESTBED_SIZES, type TestbedSize, type TestbedSizeName } from "./presets.js";
import { TestbedRng } from "./random.js";
import { splitFamily } from "./split.js";
import { entityDocs, pretrainParagraphs } from "./text.js";
import { UNITS } from "./vocab.js";
import { generateWorld } from "./world.js";

/** Bumped whenever the same seed would produce different files. */
export const TESTBED_GENERATOR_VERSION = 1;

export const TESTBED_INSTRUCTION = "Given a question about the world, retrieve the document describing the entity that answers it.";

export interface TestbedQuery {
  id: string;
  query: string;
  positives: string[];
  negatives: string[];
  reasoning: string;
  family: string;
  /** The answer entity, as the reasoning names it (extra field: readers must not require it). */
  answer?: string;
  /** The canonical pretrain sentences the gold chain uses (extra field). */
  facts?: string[];
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

/** A whole testbed in memory, fixed by (seed, size). */
export function makeTestbed(seed: number, sizeName: TestbedSizeName = "default"): Testbed {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`testbed seed must be an integer in [0, 2^32), got ${seed}`);
  const size = TESTBED_SIZES[sizeName];
  if (!size) throw new RangeError(`unknown testbed size "${sizeName}"`);
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
