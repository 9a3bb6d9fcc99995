/**
 * GGUF v3 enumerations, numbered exactly as in ggml's gguf.h / ggml.h (the file format fixes these
 * numbers; they are not ours to choose).
 */

/** Metadata value types (`gguf_type`). */
export enum GgufValueType {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
}

/** Tensor element types (`ggml_type`) that t1 reads or writes. Others are rejected by name. */
export enum GgmlType {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q8_0 = 8,
  BF16 = 30,
}

/** Names of every ggml type number, so an unsupported one is reported by name, not number. */
export const GGML_TYPE_NAMES: Record<number, string> = {
  0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 6: "Q5_0", 7: "Q5_1", 8: "Q8_0", 9: "Q8_1", 10: "Q2_K",
  11: "Q3_K", 12: "Q4_K", 13: "Q5_K", 14: "Q6_K", 15: "Q8_K", 16: "IQ2_XXS", 17: "IQ2_XS", 18: "IQ3_XXS",
  19: "IQ1_S", 20: "IQ4_NL", 21: "IQ3_S", 22: "IQ2_S", 23: "IQ4_XS", 24: "I8", 25: "I16", 26: "I32",
  27: "I64", 28: "F64", 29: "IQ1_M", 30: "BF16", 34: "TQ1_0", 35: "TQ2_0", 39: "MXFP4",
};

/** Elements per block and bytes per block of each supported type. */
export const GGML_BLOCK: Record<GgmlType, { elements: number; bytes: number }> = {
  [GgmlType.F32]: { elements: 1, bytes: 4 },
  [GgmlType.F16]: { elements: 1, bytes: 2 },
  [GgmlType.BF16]: { elements: 1, bytes: 2 },
  [GgmlType.Q8_0]: { elements: 32, bytes: 34 },
  [GgmlType.Q4_0]: { elements: 32, bytes: 18 },
};

/** `tokenizer.ggml.token_type` values (llama.cpp's `llama_token_type`). */
export enum GgufTokenType {
  UNDEFINED = 0,
  NORMAL = 1,
  UNKNOWN = 2,
  CONTROL = 3,
  USER_DEFINED = 4,
  UNUSED = 5,
  BYTE = 6,
}

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as little-endian u32
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** Parses "f32" | "f16" | "bf16" | "q8_0" | "q4_0" (any case) into a ggml type. */
export function ggmlTypeFromName(name: string): GgmlType | undefined {
  switch (name.toLowerCase()) {
    case "f32": return GgmlType.F32;
    case "f16": return GgmlType.F16;
    case "bf16": return GgmlType.BF16;
    case "q8_0": return GgmlType.Q8_0;
    case "q4_0": return GgmlType.Q4_0;
    default: return undefined;
  }
}
