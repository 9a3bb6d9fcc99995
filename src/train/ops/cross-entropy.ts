import { trainOpsFor } from "../../engine/kernels/index.js";

/**
 * Next-token cross-entropy over selected rows, fused with log-softmax so the (R, V) probabilities
 * are never stored: backward recomputes them from the logits.
 *   logits (R, V), targets (R), weight (R) -> loss = Σ_r weight_r · (−log p_r[target_r]) / Σ_r weight_r
 * weight is the selection mask (1 = a reasoning token that counts, 0 = prompt or padding); rows
 * with weight 0 cost nothing in the backward pass. The mean is over selected rows, as PyTorch's
 * cross_entropy with ignore_index does.
 */
export function crossEntropyForward(logits: Float32Array, targets: Int32Array, weight: Float32Array, R: number, V: number): number {
  let total = 0;
  let count = 0;
  for (let r = 0; r < R; r++) {
    if (weight[r] === 0) continue;
    total += weight[r] * -logProbAt(logits, r, V, targets[r]);
    count += weight[r];
  }
  return count > 0 ? total / count : 0;
}

/**
 * Loss and gradient in one pass (llm.c's fused classifier): returns the loss of crossEntropyForward
 * and overwrites logits with dloss · dlogits, so a training step computes each exp once and needs
 * no second (R, V) buffer. Use it when the logits are not needed after the loss. Logits in wasm
 * kernel memory take the SIMD op, others the plain loop (trainOpsFor). The tests compare it with
 * crossEntropyForward and the unfused backward in test/train/reference-ops.ts.
 */
export function crossEntropyFusedInPlace(logits: Float32Array, targets: Int32Array, weight: Float32Array, R: number, V: number, dloss: number): number {
  let count = 0;
  for (let r = 0; r < R; r++) count += weight[r];
  const scales = new Float32Array(R), active = new Int32Array(R).fill(-1);
  for (let r = 0; r < R; r++) {
    if (weight[r] === 0 || count === 0) continue;
    const target = targets[r];
    if (target < 0 || target >= V) throw new RangeError(`target token ${target} at row ${r} is outside the vocabulary [0, ${V})`);
    active[r] = target;
    scales[r] = (dloss * weight[r]) / count;
  }
  const loss = trainOpsFor(logits).crossEntropyRows(logits, R, V, active, scales);
  let total = 0;
  for (let r = 0; r < R; r++) if (active[r] >= 0) total += weight[r] * loss[r];
  return count > 0 ? total / count : 0;
}

/**
 * Log-probability of the chosen token at each row: what policy-gradient methods (GRPO's ratio
 * π/π_old, the KL to a reference) are built from. At the sampling temperature T the policy that
 * drew the tokens is softmax(logits / T), so the ratio and KL must use the same T.
 *   logits (R, V), tokens (R) -> logp (R)
 */
export function tokenLogProbsForward(logp: Float32Array, logits: Float32Array, tokens: Int32Array, R: number, V: number, temperature = 1): void {
  const invT = 1 / checkTemperature(temperature);
  for (let r = 0; r < R; r++) logp[r] = logProbAt(logits, r, V, tokens[r], invT);
}

/** dlogits[r] = dlogp_r / T · (onehot(token_r) − softmax(logits[r] / T)). Writes (=); rows with dlogp 0 are zeroed. */
export function tokenLogProbsBackward(dlogits: Float32Array, dlogp: Float32Array, logits: Float32Array, tokens: Int32Array, R: number, V: number, temperature = 1): void {
  const invT = 1 / checkTemperature(temperature);
  for (let r = 0; r < R; r++) {
    const o = r * V;
    if (dlogp[r] === 0) {
      dlogits.fill(0, o, o + V);
      continue;
    }
    softmaxRowInto(dlogits, logits, o, V, -dlogp[r] * invT, invT);
    dlogits[o + tokens[r]] += dlogp[r] * invT;
  }
}

function checkTemperature(t: number): number {
  if (!(t > 0) || !Number.isFinite(t)) throw new RangeError(`token log-probs: temperature must be a finite number > 0, got ${t}`);
  return t;
}

/** log softmax(logits[r] · invT)[target]. */
function logProbAt(logits: Float32Array, r: number, V: number, target: number, invT = 1): number {
  if (target < 0 || target >= V) throw new RangeError(`target token ${target} at row ${r} is outside the vocabulary [0, ${V})`);
  const o = r * V;
  let m = -Infinity;
  for (let c = 0; c < V; c++) if (logits[o + c] > m) m = logits[o + c];
  let sum = 0;
  for (let c = 0; c < V; c++) sum += Math.exp((logits[o + c] - m) * invT);
  return (logits[o + target] - m) * invT - Math.log(sum);
}

/** out[o..o+V) = scale · softmax(logits[o..o+V) · invT). */
function softmaxRowInto(out: Float32Array, logits: Float32Array, o: number, V: number, scale: number, invT = 1): void {
  let m = -Infinity;
  for (let c = 0; c < V; c++) if (logits[o + c] > m) m = logits[o + c];
  let sum = 0;
  for (let c = 0; c < V; c++) sum += Math.exp((logits[o + c] - m) * invT);
  const f = scale / sum;
  for (let c = 0; c < V; c++) out[o + c] = Math.exp((logits[o + c] - m) * invT) * f;
}
