import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { T1Error, InputError } from "../../util/errors.js";
import { writeFileAtomic } from "../../util/atomic.js";
import { Progress } from "../../util/progress.js";
import { modelFromCheckpoint, type Model } from "../../engine/model.js";
import type { TrainModel } from "../train-model.js";
import { AdamW, clipCoefficient, globalGradNorm, learningRateAt } from "../adamw.js";
import type { RunOptions } from "../trainer.js";
import { TrainRng, epochOrder } from "../rng.js";
import { latestCheckpoint, loadCheckpoint, pruneCheckpoints, saveCheckpoint, type TrainerState } from "../checkpoint.js";
import { appendStepLog, readStepLog, truncateStepLog, type StepLog } from "../train-log.js";
import { renderGrpoCurvesHtml } from "./grpo-curves.js";
import { infoNceOnEmbeddings, positiveTargets } from "../contrastive-loss.js";
import type { CandidatePool, GrpoRow } from "./data.js";
import { documentIds, padBatch, queryPromptIds, type T1Formats } from "./formats.js";
import { chunkedPolicyPass, embedPass } from "./policy-pass.js";
import { groupAdvantages, grpoSurrogate, type AdvantageOptions } from "./grpo-math.js";
import { embedAll, mineBm25, mineWithModel, poolDocumentIds, queryCandidates, rewardPoolSettings, type RewardPoolOptions } from "./reward-pool.js";
import { groupSignalRates, trajectoryRewards, type RewardQuery } from "./reward.js";
import { rolloutBatch, type Rollout } from "./rollout.js";
import { turnStopId } from "./stop-token.js";

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
  /** Reasoning tokens per trajectory at most. Default 128. */
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
 * Stage 3: GRPO over reasoning trajectories, with the resume guarantees of the core loop
 * (atomic HF-layout checkpoints with optimiser and RNG state, log truncation on resume, the same
 * seeded data order). Sampling uses the engine over the SAME arrays the policy updates.
 */
export async function trainGrpo(policy: TrainModel, reference: TrainModel | null, data: GrpoData, o: GrpoOptions): Promise<GrpoResult> {
  const n = data.rows.length;
  if (!n) throw new InputError("the training set is empty");
  const Q = o.queriesPerStep ?? 4, G = o.groupSize ?? 8, seed = o.seed ?? 0, every = o.checkpointEvery ?? 100;
  const samplingT = o.samplingTemperature ?? 1;
  if (!(samplingT > 0) || !Number.isFinite(samplingT)) throw new InputError(`samplingTemperature must be a number > 0, got ${samplingT} (at T = 0 every trajectory of a group is the same: every advantage is 0 and GRPO learns nothing)`, { field: "samplingTemperature" });
  if (Number.isInteger(G) && G < 2) throw new InputError(`groupSize must be at least 2, got ${G} (one trajectory per query has no group baseline: every advantage is 0 and GRPO learns nothing)`, { field: "groupSize" });
  const clip = o.clipNorm ?? 1, mu = o.updatesPerBatch ?? 1, maxTok = o.maxReasoningTokens ?? 128;
  for (const [field, v] of [["totalSteps", o.totalSteps], ["queriesPerStep", Q], ["groupSize", G], ["checkpointEvery", every], ["updatesPerBatch", mu], ["maxReasoningTokens", maxTok]] as const) {
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
  const schedule = { lr: o.lr ?? 1e-6, warmupSteps: o.warmupSteps ?? 0, totalSteps: o.totalSteps, minLrRatio: o.minLrRatio ?? 0.1 };
  mkdirSync(o.outDir, { recursive: true });
  const ckDir = join(o.outDir, "checkpoints"), logPath = join(o.outDir, "log.jsonl");
  const opt = new AdamW(policy.params, o.adamw);
  const options = { stage: 3, queriesPerStep: Q, groupSize: G, samplingTemperature: samplingT, maxReasoningTokens: maxTok, clipEps: eps, klBeta: beta, alpha, lengthPenalty: lenPen, infoNceWeight: nceW, infoNceTau: tau, negativesPerQuery: negs, updatesPerBatch: mu, rowsPerPass, rewardPool: poolSet, advantages: adv, ...schedule, clipNorm: clip, seed };
  let state: TrainerState = { step: 0, cursor: 0, rngState: TrainRng.derive(seed, -1).state, seed, options };
  const latest = o.resume === false ? undefined : latestCheckpoint(ckDir);
  if (latest) {
    state = await loadCheckpoint(latest, policy, opt);
    if (state.seed !== seed) throw new T1Error("MISMATCH", `${latest} was trained with seed ${state.seed}, this run asks for ${seed}`);
  }
  const resumedFrom = state.step;
  truncateStepLog(logPath, state.step);
  const rng = new TrainRng(state.rngState);
  const engine: Model = modelFromCheckpoint(
    { config: policy.config, tensors: policy.tensors(), source: "policy" },
    { kernels: policy.k, ownsWeights: false },
  );
  const f = data.formats;
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
  const saved = state.stageState as { mined?: number[][]; minedAt?: number } | undefined;
  let mined = poolSet.kind !== "mined" ? undefined : poolSet.miner === "bm25" ? mineBm25(data.pool!, data.rows, poolSet.size) : saved?.mined;
  let minedAt = saved?.minedAt ?? -1;
  const progress = new Progress("grpo", o.totalSteps, { unit: "steps", quiet: o.quiet });
  progress.tick(state.step);
  let checkpoint = latest ?? "";
  const C = policy.config.hiddenSize;
  try {
    return await grpoLoop();
  } finally {
    engine.dispose();
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
  async function grpoLoop(): Promise<GrpoResult> {
    let orderEpoch = -1;
    let order: Int32Array = new Int32Array(0);
    while (state.step < o.totalSteps) {
      const t0 = performance.now();
      if (poolSet.kind === "mined" && poolSet.miner === "model" && (!mined || (poolSet.refreshEvery > 0 && state.step % poolSet.refreshEvery === 0 && minedAt !== state.step))) {
        mined = mineWithModel(policy, f, poolDocs!, data.rows, poolSet.size);
        minedAt = state.step;
      }
      const indices: number[] = [];
      for (let i = 0; i < Q; i++, state.cursor++) {
        const epoch = Math.floor(state.cursor / n);
        if (epoch !== orderEpoch) order = epochOrder(n, seed, (orderEpoch = epoch));
        indices.push(order[state.cursor % n]);
      }
      const sampleSeed = rng.int(2 ** 30);
      // The step's documents: every positive, then drawn hard negatives; shared texts share a column.
      const docs: number[][] = [], column = new Map<string, number>(), positives: number[][] = [];
      const addDoc = (text: string, instruction?: string) => {
        const key = (instruction ?? "") + "\u0001" + text;
        let c = column.get(key);
        if (c === undefined) {
          column.set(key, (c = docs.length));
          docs.push(documentIds(f, text, instruction));
        }
        return c;
      };
      for (const i of indices) positives.push(data.rows[i].positives.map((t) => addDoc(t, data.rows[i].instruction)));
      for (const i of indices) {
        const pool = data.rows[i].negatives.slice();
        for (let k = 0; k < negs && pool.length; k++) addDoc(pool.splice(rng.int(pool.length), 1)[0], data.rows[i].instruction);
      }
      const roll: Rollout = await rolloutBatch(engine, indices.map(promptOf), G, { temperature: samplingT, maxTokens: maxTok, seed: sampleSeed, stopId, embId: f.embId, padId: f.padId });
      const BG = Q * G;
      let refLogp: Float32Array | undefined;
      if (reference && beta > 0) {
        const r = chunkedPolicyPass(reference, roll.batch, roll.targets, roll.active, roll.embPositions, rowsPerPass, samplingT);
        refLogp = r.logp;
        r.free();
      }
      const docBatch = padBatch(docs, f.padId);
      let oldLogp: Float32Array | undefined, advantages: Float64Array | undefined;
      let rewards: number[] = [], ndcgs: number[] = [], coss: number[] = [], nCand = 0;
      let loss = 0, surrogateSum = 0, klSum = 0, clipSum = 0, nceSum = 0, gradNorm = 0, lr = 0;
      for (let u = 0; u < mu; u++) {
        policy.zeroGrads();
        const d = embedPass(policy, { B: docBatch.B, T: docBatch.T, ids: docBatch.ids, mask: docBatch.mask }, docBatch.embPositions);
        const p = chunkedPolicyPass(policy, roll.batch, roll.targets, roll.active, roll.embPositions, rowsPerPass, samplingT);
        if (u === 0) {
          oldLogp = p.logp.slice();
          const { candidates, queries } = rewardCandidates(indices, positives, d.emb);
          nCand = queries.reduce((a, q) => a + (q.candidates?.length ?? candidates.length / C), 0) / queries.length;
          const r = trajectoryRewards(p.emb, candidates, queries, d.emb, G, C, roll.lengths, { alpha, lenPen, maxTok });
          rewards = r.rewards;
          ndcgs = r.ndcg;
          coss = r.cosine;
          advantages = groupAdvantages(rewards, G, adv);
        }
        const tokAdv = new Float64Array(roll.batch.B * roll.batch.T), weight = new Float64Array(tokAdv.length);
        for (let b = 0; b < BG; b++) {
          for (let t = 0; t < roll.batch.T; t++) {
            const i = b * roll.batch.T + t;
            if (!roll.active[i]) continue;
            tokAdv[i] = advantages![b];
            weight[i] = 1 / (roll.lengths[b] * BG);
          }
        }
        const s = grpoSurrogate({ logp: p.logp, oldLogp: oldLogp!, refLogp, advantage: tokAdv, weight, eps, beta });
        let dEmb: Float32Array | null = null;
        let nce = 0;
        if (nceW > 0) {
          // trajectory g of a query targets its gold document g mod P, the query's other gold documents masked
          const t = positiveTargets(positives, G, docs.length);
          const r = infoNceOnEmbeddings(policy.k, p.emb, d.emb, t.positive, tau, C, nceW, t.allowed);
          nce = r.loss;
          dEmb = r.dQuery;
          d.backward(r.dDoc);
        } else d.free();
        p.backward(s.dlogp, dEmb);
        gradNorm = globalGradNorm(policy.params);
        lr = learningRateAt(state.step, schedule);
        opt.update(lr, clip > 0 ? clipCoefficient(gradNorm, clip) : 1);
        loss += (s.loss + nceW * nce) / mu;
        surrogateSum += s.loss / mu;
        klSum += s.kl / mu;
        clipSum += s.clipFraction / mu;
        nceSum += nce / mu;
      }
      if (!Number.isFinite(loss)) throw new T1Error("INTERNAL", `loss is ${loss} at step ${state.step + 1}; lower the learning rate (last checkpoint: ${checkpoint || "none"})`);
      state.step++;
      const seconds = (performance.now() - t0) / 1000;
      const mean = (xs: ArrayLike<number>) => Array.from(xs).reduce((a, b) => a + b, 0) / xs.length;
      const rm = mean(rewards);
      const tokens = roll.lengths.reduce((a, b) => a + b, 0);
      const entry: GrpoStepLog = {
        step: state.step, loss, lr, gradNorm, tokensPerSecond: tokens / seconds, tokens, seconds, rssMiB: Math.round(process.memoryUsage.rss() / 2 ** 20),
        ...(nceW > 0 ? { infoNce: nceSum } : {}),
        rewardMean: rm, rewardStd: Math.sqrt(mean(rewards.map((r) => (r - rm) ** 2))), ndcg10: mean(ndcgs), cosinePositive: mean(coss),
        kl: klSum, clipFraction: clipSum, lengthMean: mean(roll.lengths), lengthMax: Math.max(...roll.lengths), surrogate: surrogateSum,
        ...groupSignalRates(rewards, ndcgs, G), candidates: nCand,
      };
      appendStepLog(logPath, entry);
      progress.tick();
      o.onRollout?.({ rollout: roll, rewards, advantages: advantages!, oldLogp: oldLogp! });
      if (state.step % every === 0 || state.step === o.totalSteps) {
        state.rngState = rng.state;
        if (poolSet.kind === "mined" && poolSet.miner === "model") state.stageState = { mined, minedAt };
        checkpoint = saveCheckpoint(ckDir, policy, opt, state, o.tokenizerDir);
        pruneCheckpoints(ckDir, o.keepCheckpoints ?? 2);
        writeFileAtomic(join(o.outDir, "curves.html"), renderGrpoCurvesHtml(readStepLog(logPath), `t1 GRPO (stage 3): ${o.outDir}`));
      }
      o.onStep?.(entry);
    }
    progress.finish();
    return { logs: readStepLog(logPath) as GrpoStepLog[], checkpoint, resumedFrom };
  }
}

