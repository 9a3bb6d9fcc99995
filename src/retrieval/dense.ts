/** Public API of the T1 retrieval layer (dense indexes, encoders, fusion, pipeline). */
export { createIndex, openIndex, DenseIndex, type IndexHit, type SearchOptions, type CreateIndexOptions, type OpenIndexOptions } from "./index/dense-index.js";
export type { IndexManifest, IndexKind, VectorDType, HnswParams } from "./index/manifest.js";
export { rrf, weightedFusion, type RankedList, type FusedItem } from "./hybrid.js";
export { encodeDocuments, type DocumentEncodeOptions, type DocumentEncodeResult } from "./encoders/document-encoder.js";
export { encodeQueries, type QueryEncodeOptions, type QueryMode, type EncodedQuery, type QueryInput } from "./encoders/query-encoder.js";
export { ReasoningCache } from "./encoders/reasoning-cache.js";
export { brightInstruction, queryUserMessage, documentPrefix } from "./encoders/instructions.js";
export { RetrievalPipeline, type PipelineSearchOptions, type PipelineResult } from "./pipeline.js";
export { buildT1Index, loadCorpus, type BuildIndexOptions } from "./build-index.js";
export { embedToFile, type EmbedJobOptions, type EmbedJobRow, type EmbedJobResult } from "./embed-job.js";
export { DocStore, DocStoreWriter, openDocStore, syncDocStore, removeDocStore, snippet, type DocStoreWriterOptions } from "./index/doc-store.js";
