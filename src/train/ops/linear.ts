import type { Kernels } from "../../engine/kernels/types.js";

/**
 * y = x·Wᵀ, the projection of every linear layer (HF stores W as (out, in)).
 *   x (N, IN), W (OUT, IN) -> y (N, OUT)
 */
export function linearForward(k: Kernels, y: Float32Array, x: Float32Array, W: Float32Array, N: number, IN: number, OUT: number): void {
  k.matmulTransB(y, x, W, N, IN, OUT);
}

/**
 * Gradients of y = x·Wᵀ. Both are accumulated (+=) so a weight used twice (tied lm_head and
 * embedding) or an input feeding several projections (q, k, v from one norm) sums naturally.
 *   dx (N, IN) += dy (N, OUT) · W (OUT, IN)
 *   dW (OUT, IN) += dyᵀ · x
 * Pass null for a gradient that is not needed (frozen weight, or an input that is data).
 * With overwriteDx (default false) dx is written (=) instead: the caller skips zeroing it.
 */
export function linearBackward(
  k: Kernels,
  dx: Float32Array | null,
  dW: Float32Array | null,
  dy: Float32Array,
  x: Float32Array,
  W: Float32Array,
  N: number,
  IN: number,
  OUT: number,
  overwriteDx = false,
): void {
  if (dx) k.matmul(dx, dy, W, N, OUT, IN, !overwriteDx);
  if (dW) k.matmulTransA(dW, dy, x, N, OUT, IN, true);
}
