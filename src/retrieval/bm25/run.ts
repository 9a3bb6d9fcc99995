/** BM25 runs: one ranked list per query, ready for writeRun / evaluateRun. */
import type { Query } from "../../data/types.js";
import type { Run } from "../../data/types.js";
import { Progress } from "../../util/progress.js";
import type { Bm25Index, Bm25SearchOptions } from "./inverted-index.js";

export interface Bm25RunOptions extends Omit<Bm25SearchOptions, "exclude"> {
  /** Per query id, document ids never returned (BRIGHT's excluded_ids). Default none. */
  exclude?: ReadonlyMap<string, ReadonlySet<string>>;
  /** Silence progress output. Default false. */
  quiet?: boolean;
}

export function bm25Run(index: Bm25Index, queries: readonly Query[], opts: Bm25RunOptions = {}): Run {
  const run: Run = new Map();
  const progress = new Progress("bm25 search", queries.length, { unit: "queries", quiet: opts.quiet });
  const { exclude, quiet: _quiet, ...search } = opts;
  for (const q of queries) {
    run.set(q.id, index.search(q.text, { ...search, exclude: exclude?.get(q.id) }));
    progress.tick();
  }
  progress.finish();
  return run;
}
