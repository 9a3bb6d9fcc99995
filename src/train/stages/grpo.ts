import { InputError } from "../../util/errors.js";
import { modelFromCheckpoint, type Model } from "../../engine/model.js";
import type { TrainModel } from "../train-model.js";
import { runTrainingLoop, type RunOptions, type StepContext, type StepFields } from "../training-loop.js";
import type { StepLog } from "../train-log.js";
import { renderGrpoCurvesHtml } from "./grpo-curves.js";
import { infoNceOnEmbeddings, positiveTargets } from "../contrastive-loss.js";
import type { CandidatePool, GrpoRow } from "./data.js";
import { documentIds, formatSettingsOf, padBatch, queryPromptIds, type T1Formats } from "./formats.js";
import { chunkedPolicyPass, embedPass } from "./policy-pass.js";
import { groupAdvantages, grpoSurrogate, type AdvantageOptions } from "./grpo-math.js";
import { embedAll, mineBm25, mineWithModel, poolDocumentIds, queryCandidates, rewardPoolSettings, type RewardPoolOptions } from "./reward-pool.js";
import { groupSignalRates, trajectoryRewards, type RewardQuery } from "./reward.js";
import { rolloutBatch, type Rollout } from "./rollout.js";
import { turnStopId } from "./stop-token.js";
import { DocumentColumns } from "./doc-columns.js";

export interface GrpoData {
  rows: readonly GrpoRow[];
  formats: T1Formats;
  /** The corpus the reward's candidates come from (then positiveIds index into it): with it the
   * default reward pool is "mined" (GrpoOptions.rewardPool). Without it, the step's in-batch
   * documents (positives + drawn hard negatives), which saturate quickly. */
  pool?: CandidatePool;
  /** Per row, the pool ids of its gold documents (required with a pool; readGrpoRows gives them). */
  positiveIds?: readonly (readonly number[])[];
}

export interface GrpoOptions extends RunOptions, RewardPoolOptions, AdvantageOptions {
  /** Queries per step. Default 4 (× groupSize trajectories in one batch). */
  queriesPerStep?: number;
  /** Trajectories sampled per query, G ≥ 2 (one trajectory has no group baseline: advantage 0).
   * Default 8: a larger group gives a less noisy baseline. */
  groupSize?: number;
  /** Sampling temperature T of the trajectories, > 0. Default 1.0: the policy's own distribution.
   * The ratio, the KL and the policy gradient use the log-probs of softmax(logits / T), the
   * distribution the tokens were drawn from; T < 1 samples sharper (fewer distinct trajectories,
   * more zero-variance groups), T > 1 explores more. */
  samplingTemperature?: number;
  /** Reasoning tokens per trajectory at most. Default: the formats' reasoning budget
   * (T1Formats.maxReasoningLength: the model's t1_format.json, else 256, as at retrieval), so a
   * model is trained with the budget it is searched with. Fewer tokens make rollouts cheaper. */
  maxReasoningTokens?: number;
  /** Clip range ε of the surrogate. Default 0.2. */
  clipEps?: number;
  /** KL coefficient β to the reference policy (k3 estimator). Default 0.04; 0 or no reference = off. */
  klBeta?: number;
  /** Weight α of the cosine-to-positive shaping reward. Default 0.1. */
  alpha?: number;
  /** Length penalty: reward −= lengthPenalty · tokens / maxReasoningTokens. Default 0.05. */
  lengthPenalty?: number;
  /** Weight of the InfoNCE term on the sampled embeddings. Default 0.1 (0 = off). */
  infoNceWeight?: number;
  /** Softmax temperature τ of the InfoNCE term (not the sampling temperature). Default 0.05. */
  infoNceTau?: number;
  /** Hard negatives drawn per query into the step's documents. Default 3. */
  negativesPerQuery?: number;
  /** Optimiser updates on each batch of rollouts (μ). Default 1: then ρ = 1 at the update and
   * clipping only matters for μ > 1. */
  updatesPerBatch?: number;
  /** Trajectories per forward/backward pass. Default 0 = all queriesPerStep × groupSize in one pass.
   * A pass holds action tokens × vocab logits (a 151k vocabulary: 0.6 MB per token), so real models want
   * a few rows per pass; chunking costs one extra forward per update. */
  rowsPerPass?: number;
  /** The policy-gradient term. Default true; false is the InfoNCE-only control: the same
   * rollouts, rewards, KL and InfoNCE at the same compute, with every advantage 0 (rewards are
   * still computed and logged). */
  policyGradient?: boolean;
  /** Peak learning rate. Default 1e-6 (RL fine-tuning of a pretrained model). */
  lr?: number;
  onStep?: (log: GrpoStepLog) => void;
  /** Called once per step after its updates (inspection, tests) with the step's rollout, rewards,
   * advantages and the sampling policy's action log-probs (oldLogp, (B·T) like rollout.targets). */
  onRollout?: (r: { rollout: Rollout; rewards: readonly number[]; advantages: Float64Array; oldLogp: Float32Array }) => void;
}

/** log.jsonl line of a GRPO step (loss = surrogate + β·KL + weight·InfoNCE). */
export interface GrpoStepLog extends StepLog {
  rewardMean: number;
  rewardStd: number;
  ndcg10: number;
  cosinePositive: number;
  kl: number;
  clipFraction: number;
  lengthMean: number;
  lengthMax: number;
  surrogate: number;
  /** Fraction of the step's groups whose rewards are all equal (advantage 0: no signal). */
  zeroVarianceGroups: number;
  /** Fraction of the step's groups where every trajectory has nDCG@10 = 1 (the pool is too easy). */
  saturatedGroups: number;
  /** Mean number of candidates a trajectory was ranked among. */
  candidates: number;
}

export interface GrpoResult {
  logs: GrpoStepLog[];
  checkpoint: string;
  resumedFrom: number;
}

/**
 * Stage 3: GRPO over reasoning trajectories on the shared training loop (runTrainingLoop: data
 * order, LR, AdamW, logs, checkpoints, exact resume). A step is rollout → reward → update: sample G
 * trajectories per query with the engine over the SAME arrays the policy trains, score each by
 * retrieval among its query's candidates, then μ clipped-surrogate (+ KL, + InfoNCE) updates.
 */
export async function trainGrpo(policy: TrainModel, reference: TrainModel | null, data: GrpoData, o: GrpoOptions): Promise<GrpoResult> {
  if (!data.rows.length) throw new InputError("the training set is empty");
  const Q = o.queriesPerStep ?? 4, G = o.groupSize ?? 8;
  const samplingT = o.samplingTemperature ?? 1;
  if (!(samplingT > 0) || !Number.isFinite(samplingT)) throw new InputError(`samplingTemperature must be a number > 0, got ${samplingT} (at T = 0 every trajectory of a group is the same: every advantage is 0 and GRPO learns nothing)`, { field: "samplingTemperature" });
  if (Number.isInteger(G) && G < 2) throw new InputError(`groupSize must be at least 2, got ${G} (one trajectory per query has no group baseline: every advantage is 0 and GRPO learns nothing)`, { field: "groupSize" });
  const mu = o.updatesPerBatch ?? 1, maxTok = o.maxReasoningTokens ?? data.formats.maxReasoningLength;
  for (const [field, v] of [["queriesPerStep", Q], ["groupSize", G], ["updatesPerBatch", mu], ["maxReasoningTokens", maxTok]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new InputError(`${field} must be a positive integer, got ${v}`, { field });
  }
  const eps = o.clipEps ?? 0.2, beta = reference ? (o.klBeta ?? 0.04) : 0, alpha = o.alpha ?? 0.1, lenPen = o.lengthPenalty ?? 0.05;
  const rowsPerPass = o.rowsPerPass ?? 0;
  if (!Number.isInteger(rowsPerPass) || rowsPerPass < 0) throw new InputError(`rowsPerPass must be a non-negative integer, got ${rowsPerPass}`, { field: "rowsPerPass" });
  if (data.pool && !data.positiveIds) throw new InputError("a candidate pool needs positiveIds (the pool ids of each row's gold documents)", { field: "positiveIds" });
  const poolSet = rewardPoolSettings(o, !!data.pool);
  const adv: AdvantageOptions = { advantageScale: o.advantageScale ?? "std", advantageStdFloor: o.advantageStdFloor ?? 0 };
  if (adv.advantageScale !== "std" && adv.advantageScale !== "none") throw new InputError(`advantageScale must be "std" or "none", got ${JSON.stringify(adv.advantageScale)}`, { field: "advantageScale" });
  if (!(adv.advantageStdFloor! >= 0)) throw new InputError(`advantageStdFloor must be >= 0, got ${adv.advantageStdFloor}`, { field: "advantageStdFloor" });
  const nceW = o.infoNceWeight ?? 0.1, tau = o.infoNceTau ?? 0.05, negs = o.negativesPerQuery ?? 3;
  const options = { stage: 3, queriesPerStep: Q, groupSize: G, samplingTemperature: samplingT, maxReasoningTokens: maxTok, clipEps: eps, klBeta: beta, alpha, lengthPenalty: lenPen, infoNceWeight: nceW, infoNceTau: tau, negativesPerQuery: negs, updatesPerBatch: mu, rowsPerPass, rewardPool: poolSet, advantages: adv, policyGradient: o.policyGradient ?? true };

  const f = data.formats, C = policy.config.hiddenSize;
  const engine: Model = modelFromCheckpoint({ config: policy.config, tensors: policy.tensors(), source: "policy" }, { kernels: policy.k, ownsWeights: false });
  const prompts = new Map<number, number[]>();
  const promptOf = (i: number) => {
    let p = prompts.get(i);
    if (!p) prompts.set(i, (p = queryPromptIds(f, data.rows[i].query, data.rows[i].instruction)));
    return p;
  };
  // the token stage 2 taught (learnStop): sampling stops where the teacher's reasoning ended
  const stopId = turnStopId(f.tokenizer, engine.stopTokenIds[0]);
  const poolDocs = data.pool && poolSet.kind !== "batch" ? poolDocumentIds(f, data.pool) : undefined;
  // The mined pool: BM25's is fixed; the model's is re-mined on schedule and checkpointed, so a
  // resumed run ranks against the same candidates as an uninterrupted one.
  let mined = poolSet.kind === "mined" && poolSet.miner === "bm25" ? mineBm25(data.pool!, data.rows, poolSet.size) : undefined;
  let minedAt = -1;
  const modelMined = poolSet.kind === "mined" && poolSet.miner === "model";

  /** Rollout: the step's queries, documents (positives, then drawn hard negatives) and G sampled trajectories each. */
  async function rollout(ctx: StepContext) {
    if (modelMined && (!mined || (poolSet.refreshEvery > 0 && ctx.step % poolSet.refreshEvery === 0 && minedAt !== ctx.step))) {
      mined = mineWithModel(policy, f, poolDocs!, data.rows, poolSet.size);
      minedAt = ctx.step;
    }
    const indices = Array.from(ctx.nextIndices(Q));
    const sampleSeed = ctx.rng.int(2 ** 30);
    const columns = new DocumentColumns((text, instruction) => documentIds(f, text, instruction));
    const positives = indices.map((i) => data.rows[i].positives.map((t) => columns.add(t, data.rows[i].instruction)));
    for (const i of indices) {
      const pool = data.rows[i].negatives.slice();
      for (let k = 0; k < negs && pool.length; k++) columns.add(pool.splice(ctx.rng.int(pool.length), 1)[0], data.rows[i].instruction);
    }
    const roll = await rolloutBatch(engine, indices.map(promptOf), G, { temperature: samplingT, maxTokens: maxTok, seed: sampleSeed, stopId, embId: f.embId, padId: f.padId });
    return { indices, positives, docs: padBatch(columns.docs, f.padId), roll };
  }
  type Step = Awaited<ReturnType<typeof rollout>>;

  /** One forward of the policy over the trajectories (action log-probs + embeddings) and the step's documents. */
  const forward = (s: Step) => ({
    d: embedPass(policy, { B: s.docs.B, T: s.docs.T, ids: s.docs.ids, mask: s.docs.mask }, s.docs.embPositions),
    p: chunkedPolicyPass(policy, s.roll.batch, s.roll.targets, s.roll.active, s.roll.embPositions, rowsPerPass, samplingT),
  });

  /** Reward: each trajectory's retrieval among its query's candidates, and the group advantages. */
  function reward(s: Step, pass: ReturnType<typeof forward>) {
    const { candidates, queries } = rewardCandidates(s.indices, s.positives, pass.d.emb);
    const r = trajectoryRewards(pass.p.emb, candidates, queries, pass.d.emb, G, C, s.roll.lengths, { alpha, lenPen, maxTok });
    const nCand = queries.reduce((a, q) => a + (q.candidates?.length ?? candidates.length / C), 0) / queries.length;
    const advantages = o.policyGradient === false ? new Float64Array(r.rewards.length) : groupAdvantages(r.rewards, G, adv);
    return { ...r, candidates: nCand, advantages, oldLogp: pass.p.logp.slice() };
  }

  /** Update: the clipped surrogate (+ β·KL to the reference, + InfoNCE on the sampled embeddings), one backward, one AdamW step. */
  function update(ctx: StepContext, s: Step, pass: ReturnType<typeof forward>, scored: ReturnType<typeof reward>, refLogp: Float32Array | undefined) {
    const { roll } = s, BG = Q * G, T = roll.batch.T;
    const tokAdv = new Float64Array(roll.batch.B * T), weight = new Float64Array(tokAdv.length);
    for (let b = 0; b < BG; b++) {
      for (let t = 0; t < T; t++) {
        const i = b * T + t;
        if (!roll.active[i]) continue;
        tokAdv[i] = scored.advantages[b];
        weight[i] = 1 / (roll.lengths[b] * BG);
      }
    }
    const sur = grpoSurrogate({ logp: pass.p.logp, oldLogp: scored.oldLogp, refLogp, advantage: tokAdv, weight, eps, beta });
    let dEmb: Float32Array | null = null, nce = 0;
    if (nceW > 0) {
      // trajectory g of a query targets its gold document g mod P, the query's other gold documents masked
      const t = positiveTargets(s.positives, G, s.docs.B);
      const r = infoNceOnEmbeddings(policy.k, pass.p.emb, pass.d.emb, t.positive, tau, C, nceW, t.allowed);
      nce = r.loss;
      dEmb = r.dQuery;
      pass.d.backward(r.dDoc);
    } else pass.d.free();
    pass.p.backward(sur.dlogp, dEmb);
    return { surrogate: sur.loss, kl: sur.kl, clipFraction: sur.clipFraction, nce, ...ctx.update() };
  }

  async function step(ctx: StepContext): Promise<StepFields<GrpoStepLog>> {
    const s = await rollout(ctx);
    let refLogp: Float32Array | undefined;
    if (reference && beta > 0) {
      const r = chunkedPolicyPass(reference, s.roll.batch, s.roll.targets, s.roll.active, s.roll.embPositions, rowsPerPass, samplingT);
      refLogp = r.logp;
      r.free();
    }
    policy.zeroGrads();
    let pass = forward(s);
    const scored = reward(s, pass);
    const sum = { loss: 0, surrogate: 0, kl: 0, clipFraction: 0, nce: 0, gradNorm: 0, lr: 0 };
    for (let u = 0; u < mu; u++) {
      if (u > 0) {
        policy.zeroGrads();
        pass = forward(s);
      }
      const r = update(ctx, s, pass, scored, refLogp);
      sum.loss += (r.surrogate + nceW * r.nce) / mu;
      sum.surrogate += r.surrogate / mu;
      sum.kl += r.kl / mu;
      sum.clipFraction += r.clipFraction / mu;
      sum.nce += r.nce / mu;
      sum.gradNorm = r.gradNorm;
      sum.lr = r.lr;
    }
    o.onRollout?.({ rollout: s.roll, rewards: scored.rewards, advantages: scored.advantages, oldLogp: scored.oldLogp });
    const mean = (xs: ArrayLike<number>) => Array.from(xs).reduce((a, b) => a + b, 0) / xs.length;
    const rm = mean(scored.rewards);
    return {
      loss: sum.loss, lr: sum.lr, gradNorm: sum.gradNorm, tokens: s.roll.lengths.reduce((a, b) => a + b, 0),
      ...(nceW > 0 ? { infoNce: sum.nce } : {}),
      rewardMean: rm, rewardStd: Math.sqrt(mean(scored.rewards.map((r) => (r - rm) ** 2))), ndcg10: mean(scored.ndcg), cosinePositive: mean(scored.cosine),
      kl: sum.kl, clipFraction: sum.clipFraction, lengthMean: mean(s.roll.lengths), lengthMax: Math.max(...s.roll.lengths), surrogate: sum.surrogate,
      ...groupSignalRates(scored.rewards, scored.ndcg, G), candidates: scored.candidates,
    };
  }

  /** The candidate embeddings the step's trajectories are ranked among, and each query's view of them. */
  function rewardCandidates(indices: readonly number[], positives: readonly number[][], stepDocs: Float32Array): { candidates: Float32Array; queries: RewardQuery[] } {
    if (poolSet.kind === "batch") return { candidates: stepDocs, queries: positives.map((cols) => ({ candidates: null, gold: cols, positiveCols: cols })) };
    const gold = indices.map((i) => data.positiveIds![i]);
    if (poolSet.kind === "full") return { candidates: embedAll(policy, poolDocs!, f.padId), queries: gold.map((g, q) => ({ candidates: null, gold: g, positiveCols: positives[q] })) };
    const perQuery = indices.map((i, q) => queryCandidates(mined![i], gold[q]));
    const union = [...new Set(perQuery.flat())].sort((a, b) => a - b), row = new Map(union.map((id, r) => [id, r]));
    return {
      candidates: embedAll(policy, union.map((id) => poolDocs![id]), f.padId),
      queries: perQuery.map((ids, q) => ({ candidates: ids.map((id) => row.get(id)!), gold: gold[q].map((id) => row.get(id)!), positiveCols: positives[q] })),
    };
  }

  try {
    return await runTrainingLoop<GrpoStepLog>(policy, o, {
      name: "grpo",
      examples: data.rows.length,
      options,
      lr: o.lr ?? 1e-6,
      step,
      stageState: modelMined
        ? {
          save: () => ({ mined, minedAt }),
          restore: (saved) => ({ mined, minedAt } = saved as { mined: number[][]; minedAt: number }),
        }
        : undefined,
      curvesHtml: (logs) => renderGrpoCurvesHtml(logs, `t1 GRPO (stage 3): ${o.outDir}`),
      onStep: o.onStep,
      formatSettings: formatSettingsOf(f, { maxReasoningTokens: maxTok }),
    });
  } finally {
    engine.dispose();
  }
}
