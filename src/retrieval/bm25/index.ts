/** Public BM25 API (Lucene-exact analyzer and scoring, BRIGHT's gensim variant, on-disk index). */
export { analyzeEnglish, ENGLISH_STOP_WORDS, LUCENE_ENGLISH_ANALYZER, javaLowerCase } from "./analyzer.js";
export { standardTokenize, MAX_TOKEN_LENGTH } from "./standard-tokenizer.js";
export { porterStem } from "./porter-stemmer.js";
export { intToByte4, byte4ToInt, LENGTH_TABLE } from "./lucene-norms.js";
export { Bm25Index, openBm25Index, type Bm25SearchOptions, type Bm25Variant } from "./inverted-index.js";
export { buildBm25Index, buildBm25IndexSync, Bm25IndexBuilder, type Bm25BuildOptions } from "./build.js";
export { bm25Run, type Bm25RunOptions } from "./run.js";
export { buildBm25IndexResumable, type ResumableBuildOptions } from "./resumable-build.js";
export { mergeBm25Indexes } from "./merge.js";
