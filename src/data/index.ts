export type { Document, Query, Collection, Qrels, Run, ScoredDoc } from "./types.js";
export { readDocuments, readQueries, iterateDocuments, iterateJsonl, toDocument, toQuery } from "./jsonl.js";
export { loadClassicCollection, CLASSIC_NAMES } from "./classic.js";
export { BRIGHT_DOMAINS, BRIGHT_LONG_DOMAINS, normalizeBrightDomain, brightInstruction, type BrightDomain } from "./bright-domains.js";
export {
  loadBrightTopics,
  loadBrightQrelsFile,
  brightQrels,
  brightQueries,
  brightExclusions,
  readExclusionsFile,
  loadBrightExclusions,
  applyExclusions,
  loadBrightDocuments,
  loadBrightExamples,
  loadBrightTask,
  type BrightExample,
  type Exclusions,
} from "./bright.js";
export { downloadBrightDataset } from "./bright-download.js";
export { downloadHubFiles, downloadUrl, listHubFolder } from "./hub.js";
export { downloadHubModel, defaultCacheDir, shardsOfIndex, type HubModelRequest, type HubModelResult } from "./hub-model.js";
export { exportBrightTask, type BrightExportFiles } from "./bright-export.js";
export { readTextFile } from "./text-file.js";
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
