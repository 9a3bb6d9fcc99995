export type { Qrels, Run, ScoredDoc } from "./types.js";
export { evaluateRun, formatTrecEval, judgeRanking, type EvaluateOptions, type EvaluationResult, type FormatOptions } from "./evaluate.js";
export { parseMeasures, SUPPORTED_FAMILIES, type MeasureSpec } from "./measure-specs.js";
export { rankRun, compareRanked } from "./ranking.js";
export {
  parseQrels,
  readQrels,
  writeQrels,
  formatQrels,
  parseRun,
  parseRunWithTag,
  readRun,
  readRunWithTag,
  writeRun,
  formatRun,
  type ParseRunOptions,
  type WriteRunOptions,
} from "./trec-files.js";
