/**
 * Lucene 8's lossy document-length norms (org.apache.lucene.util.SmallFloat): the token count of a
 * document is stored in one byte, so BM25 sees the *decoded* length, not the true one. Matching
 * Lucene's scores requires the same rounding.
 */

/** Values below this are stored exactly; 255 − longToInt4(Integer.MAX_VALUE) = 24. */
const NUM_FREE_VALUES = 24;

/** 4 significant bits plus a shift: an unsigned "float" with a 3-bit mantissa (implicit top bit). */
function longToInt4(i: number): number {
  const numBits = i === 0 ? 0 : 32 - Math.clz32(i);
  if (numBits < 4) return i;
  const shift = numBits - 4;
  let encoded = (i >>> shift) & 0x07;
  encoded |= (shift + 1) << 3;
  return encoded;
}

function int4ToLong(i: number): number {
  const bits = i & 0x07;
  const shift = (i >>> 3) - 1;
  return shift === -1 ? bits : (bits | 0x08) * 2 ** shift;
}

/** SmallFloat.intToByte4: the norm byte (0..255) for a token count. */
export function intToByte4(count: number): number {
  if (!Number.isInteger(count) || count < 0 || count > 0x7fffffff) {
    throw new RangeError(`intToByte4: expected a non-negative 31-bit integer, got ${count}`);
  }
  return count < NUM_FREE_VALUES ? count : NUM_FREE_VALUES + longToInt4(count - NUM_FREE_VALUES);
}

/** SmallFloat.byte4ToInt: the length a norm byte stands for. */
export function byte4ToInt(b: number): number {
  const i = b & 0xff;
  return i < NUM_FREE_VALUES ? i : NUM_FREE_VALUES + int4ToLong(i - NUM_FREE_VALUES);
}

/** BM25Similarity.LENGTH_TABLE: decoded lengths for all 256 norm bytes, as Java floats. */
export const LENGTH_TABLE: Float32Array = Float32Array.from({ length: 256 }, (_, i) => byte4ToInt(i));
