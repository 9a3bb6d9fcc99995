/** GGUF: the llama.cpp model file format (read, write, convert from Hugging Face). */
export { GgmlType, GgufValueType, GgufTokenType, ggmlTypeFromName } from "./constants.js";
export { GgufWriter, gguf, type GgufValue, type GgufWriterOptions } from "./writer.js";
export { readGgufHeader, readGgufTensor, ggufValue, type GgufFile, type GgufKV, type GgufTensorInfo } from "./reader.js";
export { convertHfToGguf, type ConvertToGgufOptions } from "./convert-hf.js";
export { readGgufModel, ggufToHfConfig, type GgufModel, type ReadGgufModelOptions } from "./model.js";
export { tokenizerFromGguf } from "./tokenizer-from-gguf.js";
export { tokenizerToGguf } from "./tokenizer-to-gguf.js";
