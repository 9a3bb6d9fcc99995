/**
 * The native engine's public surface. Import from here rather than from individual files.
 */
export { loadModel, modelFromCheckpoint, Model, EMB_TOKEN } from "./model.js";
export type { LoadModelOptions, PromptInput, StreamEvent, GenerationResult, GenerateThenEmbedResult } from "./model.js";
export type { GenerateOptions, FinishReason } from "./generate.js";
export { BatchGeneration } from "./generate.js";
export type { SamplingOptions } from "./sampling.js";
export { Sampler, argmax } from "./sampling.js";
export type { EmbedOptions } from "./embed.js";
export { Transformer } from "./transformer.js";
export type { BatchEntry, ForwardOptions, ForwardResult } from "./transformer.js";
export { KVCache } from "./kv-cache.js";
export { parseHfConfig } from "./config.js";
export type { ModelConfig, Architecture } from "./config.js";
export { loadCheckpoint, registerWeightSource, safetensorsDirSource } from "./weight-source.js";
export type { Checkpoint, WeightSource } from "./weight-source.js";
export { readSafetensors, writeSafetensors, readSafetensorsHeader } from "./safetensors.js";
export type { Tensor, TensorMap, ReadSafetensorsOptions, WriteSafetensorsOptions, SafetensorsDtype } from "./safetensors.js";
export { TextTokenizer } from "./tokenizer/tokenizer.js";
export type { ChatMessage, ChatTemplateOptions } from "./tokenizer/tokenizer.js";
export { createTinyModel } from "./tiny-model.js";
export type { TinyModelOptions, TinyModelInfo } from "./tiny-model.js";
export { addEmbToken } from "./emb-token.js";
export type { AddEmbTokenResult } from "./emb-token.js";
export { readNpyF32, writeNpyF32 } from "./npy.js";
export { SeededRng } from "./rng.js";
