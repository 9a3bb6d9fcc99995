import { defineCommand } from "../command.js";
import { InputError } from "../../util/errors.js";
import { entityCount } from "../../data/testbed/world.js";
import { makeTestbed, TESTBED_SIZE_NAMES, TESTBED_SIZES, writeTestbed, type TestbedSizeName } from "../../data/testbed/index.js";

export default defineCommand({
  name: "testbed make",
  summary: "Generate a seeded reasoning-retrieval testbed (corpus, pretraining facts, held-out splits)",
  usage: "--seed N --out DIR [--size tiny|small|default]",
  details: `
Builds a synthetic world (people, workshops, towns, priced items, guild halls, a creature taxonomy)
and four families of questions whose relevant document shares no word with the question:
  multihop    "Who is the mentor of the founder of X?" (relation paths over the world)
  arithmetic  "Which lantern costs 12 bits?" (convert units, then look up the price)
  rule        "Where must X register?" (occupation and region decide the guild hall)
  category    "To which family/order does the X belong?" (features decide the kin group)
Every question has a gold reasoning (the stage-2 teacher) that states the facts of the chain and
names the answer. Dev and test compose known facts in ways train never does; every fact they use is
a sentence of pretrain.jsonl. Writes DIR/corpus.jsonl, pretrain.jsonl, train/dev/test.jsonl,
qrels.dev.txt, qrels.test.txt, instruction.txt, README.md and testbed.json. The same seed and size
give the same bytes.
Sizes: ${TESTBED_SIZE_NAMES.map((n) => `${n} (${entityCount(TESTBED_SIZES[n].world)} documents)`).join(", ")}.`,
  options: {
    seed: { type: "number", description: "World seed", required: true, integer: true, min: 0, max: 0xffffffff, arg: "N" },
    out: { type: "string", description: "Folder to write the testbed into", required: true, arg: "DIR" },
    size: { type: "string", description: `Preset: ${TESTBED_SIZE_NAMES.join(", ")}`, default: "default", arg: "NAME" },
    quiet: { type: "boolean", description: "Print only the output folder" },
  },
  async run(values, positionals) {
    if (positionals.length > 0) throw new InputError(`t1 testbed make: unexpected argument "${positionals[0]}"`);
    const size = values.size;
    if (!(TESTBED_SIZE_NAMES as string[]).includes(size)) throw new InputError(`t1 testbed make: --size must be one of ${TESTBED_SIZE_NAMES.join(", ")}, got "${size}"`);
    const out = values.out;
    const tb = makeTestbed(values.seed, size as TestbedSizeName);
    const m = writeTestbed(tb, out);
    if (!values.quiet) {
      const c = m.counts;
      console.error(`t1 testbed make: seed ${m.seed}, size ${m.size}: ${c.corpus} documents, ${c.pretrain} pretraining paragraphs, train ${c.train.total} / dev ${c.dev.total} / test ${c.test.total} questions`);
    }
    console.log(out);
    return 0;
  },
});
