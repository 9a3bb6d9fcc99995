import { readFileSync } from "node:fs";
import { defineCommand } from "../command.js";
import { renderResults } from "../../experiment/render-results.js";
import { RESULTS_SCHEMA, type ExperimentResults } from "../../experiment/results.js";
import { InputError, T1Error } from "../../util/errors.js";

export default defineCommand({
  name: "experiment report",
  summary: "Render RESULTS.md (+ SVG figures) from an experiment's results.json",
  usage: "--results OUT/results.json --out RESULTS.md",
  options: {
    results: { type: "string", description: "results.json written by t1 experiment", required: true, arg: "FILE" },
    out: { type: "string", description: "Markdown page to write (figures go beside it)", required: true, arg: "FILE" },
  },
  async run(values, positionals) {
    if (positionals.length) throw new InputError(`t1 experiment report: unexpected argument "${positionals[0]}"`);
    const file = values.results;
    let r: ExperimentResults;
    try {
      r = JSON.parse(readFileSync(file, "utf8")) as ExperimentResults;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new T1Error("NOT_FOUND", `${file}: no such file`);
      throw new InputError(`not valid JSON (${(e as Error).message})`, { file });
    }
    if (r.schema !== RESULTS_SCHEMA) throw new InputError(`expected schema "${RESULTS_SCHEMA}", got ${JSON.stringify(r.schema)}`, { file, field: "schema" });
    renderResults(r, values.out);
  },
});
