/**
 * Builds the bytes of a one-node ONNX model `Y = MatMul(A, B)` with B as a constant initializer
 * (the way weights ship, which lets onnxruntime pre-pack it: the fairest reference). ONNX files
 * are protobuf; this needs only a handful of fields, so it is encoded here directly.
 * Field numbers from onnx/onnx.proto (ModelProto, GraphProto, NodeProto, ValueInfoProto,
 * TypeProto, TensorShapeProto, TensorProto).
 */

function varint(n: number): number[] {
  const out: number[] = [];
  let v = BigInt(n);
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return out;
}
const key = (field: number, wire: number) => varint((field << 3) | wire);
const int = (field: number, v: number) => [...key(field, 0), ...varint(v)];
function bytes(field: number, data: ArrayLike<number> | Uint8Array): number[] {
  return [...key(field, 2), ...varint(data.length), ...Array.from(data)];
}
const str = (field: number, s: string) => bytes(field, new TextEncoder().encode(s));

function valueInfo(name: string, dims: number[]): number[] {
  const shape = dims.flatMap((d) => bytes(1, int(1, d))); // Dimension.dim_value
  const tensorType = [...int(1, 1 /* FLOAT */), ...bytes(2, shape)];
  return [...str(1, name), ...bytes(2, bytes(1, tensorType))];
}

/** ONNX model bytes computing Y(M,N) = A(M,K) · B(K,N), B fixed to `b` (row-major K x N). */
export function onnxMatmulModel(M: number, K: number, N: number, b: Float32Array): Uint8Array {
  const raw = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  const initializer = [...int(1, K), ...int(1, N), ...int(2, 1), ...str(8, "B")];
  const node = [...str(1, "A"), ...str(1, "B"), ...str(2, "Y"), ...str(3, "matmul"), ...str(4, "MatMul")];
  const head = [
    ...bytes(1, node),
    ...str(2, "t1-bench"),
    ...bytes(11, valueInfo("A", [M, K])),
    ...bytes(12, valueInfo("Y", [M, N])),
  ];
  // The initializer carries megabytes of raw data: assemble it without spreading into arrays.
  const initHead = [...initializer, ...key(9, 2), ...varint(raw.length)];
  const initLen = initHead.length + raw.length;
  const graphPrefix = [...head, ...key(5, 2), ...varint(initLen)];
  const graphLen = graphPrefix.length + initLen;
  const modelPrefix = [...int(1, 8 /* IR version */), ...bytes(8, int(2, 17) /* opset 17 */), ...key(7, 2), ...varint(graphLen)];
  const out = new Uint8Array(modelPrefix.length + graphLen);
  let o = 0;
  for (const part of [modelPrefix, graphPrefix, initHead]) {
    out.set(part, o);
    o += part.length;
  }
  out.set(raw, o);
  return out;
}
