export type { Document, Query, Collection } from "./types.js";
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
