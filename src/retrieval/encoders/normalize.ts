import { InputError } from "../../util/errors.js";

/** A unit-length copy of `v` (cosine = dot product). A zero or non-finite vector is an error naming `what`. */
export function l2normalize(v: Float32Array, what: string): Float32Array {
  let ss = 0;
  for (let i = 0; i < v.length; i++) ss += v[i] * v[i];
  if (!(ss > 0) || !Number.isFinite(ss)) throw new InputError(`${what}: embedding has norm ${Math.sqrt(ss)}; cannot L2-normalise`);
  const inv = 1 / Math.sqrt(ss);
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i] * inv;
  return out;
}
