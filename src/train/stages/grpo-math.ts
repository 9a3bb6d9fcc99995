/**
 * The arithmetic of GRPO (stage 3), free of models so it can be checked by hand and by finite
 * differences: group-relative advantages, the clipped surrogate with a k3 KL penalty and its
 * gradient with respect to the token log-probabilities, and the nDCG@10 reward.
 */

/** How advantages are scaled within a group. */
export interface AdvantageOptions {
  /** "std" (default): (r − mean) / max(std, advantageStdFloor), GRPO. "none": r − mean, Dr. GRPO's
   * unnormalised advantages — a group whose rewards barely differ gets a small update instead of
   * having its noise blown up to unit scale. */
  advantageScale?: "std" | "none";
  /** Floor on the group std of "std" scaling. Default 0; e.g. 0.1 keeps near-tied groups from
   * getting ±1 advantages out of reward noise. */
  advantageStdFloor?: number;
}

/**
 * Advantages (r − mean) / std within each consecutive group of G rewards. std is the sample
 * standard deviation (n − 1, as torch.std in TRL's GRPO); a group whose rewards are all equal
 * (std < 1e-8) carries no signal and gets advantage 0. See AdvantageOptions for the Dr. GRPO and
 * std-floor variants.
 */
export function groupAdvantages(rewards: ArrayLike<number>, G: number, o: AdvantageOptions = {}): Float64Array {
  const floor = o.advantageStdFloor ?? 0, unscaled = o.advantageScale === "none";
  const n = rewards.length;
  if (G < 1 || n % G !== 0) throw new RangeError(`rewards (${n}) must be a multiple of the group size ${G}`);
  const out = new Float64Array(n);
  for (let g = 0; g < n; g += G) {
    let mean = 0;
    for (let i = 0; i < G; i++) mean += rewards[g + i];
    mean /= G;
    let v = 0;
    for (let i = 0; i < G; i++) v += (rewards[g + i] - mean) ** 2;
    const std = G > 1 ? Math.sqrt(v / (G - 1)) : 0;
    for (let i = 0; i < G; i++) out[g + i] = std < 1e-8 ? 0 : unscaled ? rewards[g + i] - mean : (rewards[g + i] - mean) / Math.max(std, floor);
  }
  return out;
}

export interface SurrogateInput {
  /** (N) current log π_θ of each token. */
  logp: ArrayLike<number>;
  /** (N) log π_old of the sampling policy (detached). */
  oldLogp: ArrayLike<number>;
  /** (N) log π_ref of the frozen reference; omitted = no KL term. */
  refLogp?: ArrayLike<number>;
  /** (N) the advantage of the trajectory each token belongs to. */
  advantage: ArrayLike<number>;
  /** (N) token weight: 1 / (|o_i| · number of trajectories) on action tokens, 0 elsewhere. */
  weight: ArrayLike<number>;
  /** Clip range ε. */
  eps: number;
  /** KL coefficient β. */
  beta: number;
}

export interface SurrogateResult {
  /** Σ_t w_t · ( −min(ρ_t A, clip(ρ_t, 1−ε, 1+ε) A) + β · k3_t ). */
  loss: number;
  /** ∂loss/∂logp_t. */
  dlogp: Float64Array;
  /** Weighted mean of the k3 estimate exp(ref − logp) − (ref − logp) − 1 (≥ 0). */
  kl: number;
  /** Fraction of action tokens whose clipped term is active (no gradient through the ratio). */
  clipFraction: number;
  /** Weighted mean ratio ρ = exp(logp − oldLogp). */
  ratioMean: number;
}

/** GRPO's per-token objective and its gradient with respect to logp. */
export function grpoSurrogate(s: SurrogateInput): SurrogateResult {
  const n = s.logp.length;
  const dlogp = new Float64Array(n);
  let loss = 0, kl = 0, wsum = 0, clipped = 0, tokens = 0, ratioSum = 0;
  for (let t = 0; t < n; t++) {
    const w = s.weight[t];
    if (w === 0) continue;
    tokens++;
    wsum += w;
    const A = s.advantage[t];
    const ratio = Math.exp(s.logp[t] - s.oldLogp[t]);
    const rc = Math.min(Math.max(ratio, 1 - s.eps), 1 + s.eps);
    const un = ratio * A, cl = rc * A;
    let g = 0;
    if (un <= cl) {
      loss -= w * un;
      g = -ratio * A; // d(ratio)/d(logp) = ratio
    } else {
      loss -= w * cl;
      clipped++;
    }
    ratioSum += w * ratio;
    if (s.refLogp && s.beta !== 0) {
      const d = s.refLogp[t] - s.logp[t];
      const k3 = Math.exp(d) - d - 1;
      loss += w * s.beta * k3;
      kl += w * k3;
      g += s.beta * (1 - Math.exp(d));
    }
    dlogp[t] = w * g;
  }
  return { loss, dlogp, kl: wsum ? kl / wsum : 0, clipFraction: tokens ? clipped / tokens : 0, ratioMean: wsum ? ratioSum / wsum : 1 };
}

/**
 * nDCG@10 with binary gains and log2 discounts (trec_eval's ndcg_cut.10 with relevance 1):
 * candidates ranked by score (ties: lower index first), ideal DCG from the number of relevant
 * candidates. 0 when no candidate is relevant.
 */
export function ndcgAt10(scores: ArrayLike<number>, relevant: ReadonlySet<number>): number {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  let dcg = 0;
  for (let r = 0; r < Math.min(10, order.length); r++) if (relevant.has(order[r])) dcg += 1 / Math.log2(r + 2);
  let idcg = 0;
  const nRel = [...relevant].filter((i) => i >= 0 && i < scores.length).length;
  for (let r = 0; r < Math.min(10, nRel); r++) idcg += 1 / Math.log2(r + 2);
  return idcg > 0 ? dcg / idcg : 0;
}
