/**
 * The T1 three-stage curriculum on the training core: stage 1 InfoNCE warm-up and stage 2
 * reasoning-augmented joint training (as TrainData for `train()`), stage 3 GRPO (`trainGrpo`).
 */
export { readContrastiveRows, readGrpoRows, readCandidatePool, type ContrastiveRow, type GrpoRow, type CandidatePool } from "./data.js";
export {
  loadTokenizer, t1Formats, textIds, queryPromptText, queryPromptIds, plainQueryIds, reasoningQueryIds, documentIds, padBatch,
  type T1Formats, type FormatOptions,
} from "./formats.js";
export { contrastiveData, reasoningTargets, type ContrastiveDataOptions } from "./contrastive-data.js";
export { groupAdvantages, grpoSurrogate, ndcgAt10, type AdvantageOptions, type SurrogateInput, type SurrogateResult } from "./grpo-math.js";
export { policyPass, embedPass, type PolicyPass } from "./policy-pass.js";
export { rolloutBatch, layoutRollout, type Rollout, type RolloutOptions } from "./rollout.js";
export { trainGrpo, type GrpoData, type GrpoOptions, type GrpoStepLog, type GrpoResult } from "./grpo.js";
export { trajectoryRewards, groupSignalRates, type RewardQuery } from "./reward.js";
export { rewardPoolSettings, mineBm25, mineWithModel, queryCandidates, type RewardPoolKind, type PoolMiner, type RewardPoolOptions } from "./reward-pool.js";
export { turnStopId } from "./stop-token.js";
export { renderGrpoCurvesHtml } from "./grpo-curves.js";
