export {
  runBrightEval,
  parseBrightDomains,
  formatResultsTsv,
  t1Version,
  type BrightEvalOptions,
} from "./harness.js";
export { BRIGHT_MEASURES, BRIGHT_METRIC_KEYS, type BrightEvalResults, type BrightDomainResult, type BrightMetrics } from "./results.js";
export {
  Bm25BrightRetriever,
  T1BrightRetriever,
  candidateDepth,
  type BrightRetriever,
  type Bm25RetrieverOptions,
  type T1RetrieverOptions,
  type DomainRetrievalInput,
  type DomainRetrievalOutput,
} from "./retrievers.js";
export { BRIGHT_ANCHORS, CHART_ANCHORS, brightAnchor, type BrightAnchor } from "./anchors.js";
export { renderBrightReport, escapeHtml } from "./report-html.js";
