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
export {
  runBrightEval,
  parseBrightDomains,
  formatResultsTsv,
  t1Version,
  BRIGHT_MEASURES,
  BRIGHT_METRIC_KEYS,
  type BrightEvalOptions,
  type BrightEvalResults,
  type BrightDomainResult,
  type BrightMetrics,
} from "./bright-harness.js";
export {
  Bm25BrightRetriever,
  T1BrightRetriever,
  candidateDepth,
  type BrightRetriever,
  type Bm25RetrieverOptions,
  type T1RetrieverOptions,
  type DomainRetrievalInput,
  type DomainRetrievalOutput,
} from "./bright-harness-retrievers.js";
export { BRIGHT_ANCHORS, CHART_ANCHORS, brightAnchor, type BrightAnchor } from "./bright-harness-anchors.js";
export { renderBrightReport, escapeHtml } from "./report-html.js";
