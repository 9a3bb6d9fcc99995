import { defineCommand } from "../command.js";
import { trainTinyT1, DEMO_TESTBED } from "../../experiment/tiny-t1.js";
import { InputError } from "../../util/errors.js";

export default defineCommand({
  name: "train tiny",
  summary: "Remake the built-in default model (models/tiny-t1): the T1 curriculum on the seeded tiny testbed",
  usage: "[--out models/tiny-t1] [--work runs/tiny-t1]",
  details: `
Makes the testbed \`t1 testbed make --seed ${DEMO_TESTBED.seed} --size ${DEMO_TESTBED.size}\` (the one \`npm start\` shows), trains
a tokenizer, a tiny Qwen3-shaped base model and stages 1-3 on it (resumable in --work), and writes
the stage-3 model in Hugging Face layout with t1_format.json and training.json to --out.`,
  options: {
    out: { type: "string", description: "Model directory to write", default: "models/tiny-t1", arg: "DIR" },
    work: { type: "string", description: "Training run directory (rerun to resume)", default: "runs/tiny-t1", arg: "DIR" },
    quiet: { type: "boolean", description: "No progress output" },
  },
  async run(values, positionals) {
    if (positionals.length) throw new InputError(`t1 train tiny: unexpected argument "${positionals[0]}"`);
    await trainTinyT1({ outDir: values.out, workDir: values.work, quiet: values.quiet });
  },
});
