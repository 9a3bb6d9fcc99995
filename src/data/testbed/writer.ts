import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../../util/atomic.js";
import { FAMILY_NAMES, HELDOUT_PATH } from "./families.js";
import { TESTBED_GENERATOR_VERSION, type Testbed, type TestbedQuery } from "./make.js";

/**
 * Writes a testbed directory in the contract format (see README.md it writes). Each file is written
 * atomically; testbed.json goes last, so a directory with a manifest is complete.
 */

const jsonl = (rows: readonly object[]): string => rows.map((r) => JSON.stringify(r)).join("\n") + (rows.length ? "\n" : "");
const qrels = (qs: readonly TestbedQuery[]): string => qs.flatMap((q) => q.positives.map((d) => `${q.id} 0 ${d} 1\n`)).join("");

export interface TestbedManifest {
  generator: "t1 testbed make";
  version: number;
  seed: number;
  size: string;
  world: Record<string, number>;
  split: Record<string, number>;
  heldoutPath: string;
  counts: { corpus: number; pretrain: number } & Record<"train" | "dev" | "test", Record<string, number>>;
  instruction: string;
}

export function testbedManifest(tb: Testbed): TestbedManifest {
  const perFamily = (qs: readonly TestbedQuery[]): Record<string, number> => {
    const out: Record<string, number> = { total: qs.length };
    for (const f of FAMILY_NAMES) out[f] = qs.filter((q) => q.family === f).length;
    return out;
  };
  return {
    generator: "t1 testbed make",
    version: TESTBED_GENERATOR_VERSION,
    seed: tb.seed,
    size: tb.sizeName,
    world: { ...tb.size.world },
    split: { ...tb.size.split },
    heldoutPath: HELDOUT_PATH,
    counts: { corpus: tb.corpus.length, pretrain: tb.pretrain.length, train: perFamily(tb.train), dev: perFamily(tb.dev), test: perFamily(tb.test) },
    instruction: tb.instruction,
  };
}

function readme(m: TestbedManifest): string {
  const row = (s: "train" | "dev" | "test"): string => `| ${s} | ${m.counts[s].total} | ${FAMILY_NAMES.map((f) => m.counts[s][f]).join(" | ")} |`;
  return `# t1 reasoning-retrieval testbed (seed ${m.seed}, size ${m.size})

${m.size === "custom" ? `Made by makeTestbed(${m.seed}, counts in testbed.json)` : `Made by \`t1 testbed make --seed ${m.seed} --size ${m.size} --out DIR\``} (generator version ${m.version}); the same
seed and size give the same bytes. ${m.counts.corpus} documents, ${m.counts.pretrain} pretraining paragraphs.

| split | total | ${FAMILY_NAMES.join(" | ")} |
|---|---|${FAMILY_NAMES.map(() => "---|").join("")}
${row("train")}
${row("dev")}
${row("test")}

Each question's relevant document describes the answer entity without any word of the question;
the gold \`reasoning\` quotes the facts that lead there and names the answer. Dev and test questions
compose known facts in ways train never does (no shared question group, fact pair or start/answer
pair; the relation path \`${m.heldoutPath}\` appears only in dev and test), and every fact they use is
a sentence of pretrain.jsonl.

Files (JSON Lines):
- \`corpus.jsonl\` {"id","text"}
- \`pretrain.jsonl\` {"text"}: the world's facts as plain sentences
- \`train.jsonl\`, \`dev.jsonl\`, \`test.jsonl\` {"id","query","positives","negatives","reasoning","family"}, plus
  the extras "answer" (the answer entity) and "facts" (the pretrain sentences the gold chain uses)
- \`qrels.dev.txt\`, \`qrels.test.txt\` (TREC: qid 0 docid rel)
- \`instruction.txt\` (one line: the document-side instruction)
- \`testbed.json\`: this manifest as JSON
`;
}

export function writeTestbed(tb: Testbed, dir: string): TestbedManifest {
  mkdirSync(dir, { recursive: true });
  const m = testbedManifest(tb);
  writeFileAtomic(join(dir, "corpus.jsonl"), jsonl(tb.corpus));
  writeFileAtomic(join(dir, "pretrain.jsonl"), jsonl(tb.pretrain.map((text) => ({ text }))));
  for (const s of ["train", "dev", "test"] as const) writeFileAtomic(join(dir, `${s}.jsonl`), jsonl(tb[s]));
  writeFileAtomic(join(dir, "qrels.dev.txt"), qrels(tb.dev));
  writeFileAtomic(join(dir, "qrels.test.txt"), qrels(tb.test));
  writeFileAtomic(join(dir, "instruction.txt"), tb.instruction + "\n");
  writeFileAtomic(join(dir, "README.md"), readme(m));
  writeFileAtomic(join(dir, "testbed.json"), JSON.stringify(m, null, 2) + "\n");
  return m;
}
