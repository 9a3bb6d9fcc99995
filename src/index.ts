/**
 * t1's public API. The common entry points are exported flat; each stage of the data flow is also
 * available whole as a namespace (`engine`, `gguf`, `backends`, `retrieval`, `bm25`, `train`, `evaluation`,
 * `bright`, `data`), so nothing a researcher may need is hidden.
 *
 *   text → tokens → hidden states → vectors → index → ranked list → metrics
 *   data     engine                backends  retrieval            evaluation
 */
export * as data from "./data/index.js";
export * as engine from "./engine/index.js";
export * as gguf from "./engine/gguf/index.js";
export * as backends from "./backends/index.js";
export * as retrieval from "./retrieval/dense.js";
export * as bm25 from "./retrieval/bm25/index.js";
export * as train from "./train/index.js";
export * as evaluation from "./eval/index.js";
export * as bright from "./bright/index.js";

export { T1Error, InputError, type T1ErrorCode } from "./util/errors.js";
export type { Document, Query, Collection, Qrels, Run, ScoredDoc } from "./data/types.js";

export { readDocuments, readQueries, loadClassicCollection } from "./data/index.js";
export { loadModel, createTinyModel, type Model } from "./engine/index.js";
export { openBackend, type T1Backend } from "./backends/index.js";
export { createIndex, openIndex, rrf, weightedFusion, encodeDocuments, encodeQueries, RetrievalPipeline, buildT1Index } from "./retrieval/dense.js";
export { buildBm25Index, openBm25Index, bm25Run } from "./retrieval/bm25/index.js";
export { evaluateRun, formatTrecEval } from "./eval/index.js";
export { readQrels, readRun, writeRun } from "./data/index.js";
export { OpenAIServer, type OpenAIServerOptions } from "./serve/openai-server.js";
