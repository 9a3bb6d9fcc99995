import { resolve } from "node:path";
import { defineCommand } from "../command.js";
import { runDemo } from "../../experiment/demo.js";
import { defaultModelDir } from "../../experiment/tiny-t1.js";
import { InputError } from "../../util/errors.js";

export default defineCommand({
  name: "start",
  summary: "The default job (npm start): the T1 demo with the built-in tiny model, offline",
  usage: "[--model DIR] [--dir runs/demo]",
  details: `
Makes the seeded tiny testbed (t1 testbed make --seed 1 --size tiny), indexes its corpus with the
built-in tiny T1 model (models/tiny-t1, trained by \`npm run train:tiny\` on that testbed's training
split), streams the reasoning of 3 test questions with their top-5 documents (gold marked with ✓),
and prints nDCG@10 and R@10 on the test split for BM25, the model without reasoning, T1, and T1 with
the gold reasoning (an oracle). BM25 on the classic collections moved to \`t1 bm25 --collection cranfield\`.`,
  options: {
    model: { type: "string", description: "T1 model directory (default: the built-in models/tiny-t1)", arg: "DIR" },
    dir: { type: "string", description: "Where the demo writes its testbed", default: "runs/demo", arg: "DIR" },
  },
  async run(values, positionals) {
    if (positionals.length) throw new InputError(`t1 start: unexpected argument "${positionals[0]}"`);
    await runDemo({ modelDir: resolve(values.model ?? defaultModelDir()), workDir: resolve(values.dir) });
  },
});
