/**
 * Training core: llm.c-style forward/backward ops, a Qwen3/Qwen2/Llama training model, T1 losses
 * (next-token CE on selected tokens, InfoNCE on `<emb_token>` embeddings, token log-probs for
 * policy gradients), AdamW with clipping and warm-up + cosine LR, and a resumable training loop.
 */
export { TrainModel, type Param, type TokenBatch, type ForwardOptions, type OutputGrads, type TrainModelOptions } from "./train-model.js";
export type { Tape } from "./train-model-pass.js";
export { readTrainModelConfig, parseTrainModelConfig, checkTrainable, toHfConfig, parameterShapes, type ModelConfig } from "./model-config.js";
export {
  lossAndBackward, objectiveLoss, sequenceLogProbs, findLastTokenPositions,
  type Objective, type LmObjective, type ContrastiveObjective, type LossResult, type SequenceLogProbs,
} from "./objectives.js";
export { AdamW, clipGradNorm, clipCoefficient, globalGradNorm, learningRateAt, type AdamWOptions, type LrSchedule } from "./adamw.js";
export { train, type TrainData, type TrainOptions, type RunOptions, type TrainResult } from "./trainer.js";
export { causalLmData, type CausalLmDataOptions } from "./lm-data.js";
export { saveCheckpoint, loadCheckpoint, latestCheckpoint, type TrainerState } from "./checkpoint.js";
export { readStepLog, type StepLog } from "./train-log.js";
export { renderCurvesHtml, type CurvePanel } from "./curves-html.js";
export { TrainRng, epochOrder } from "./rng.js";
export { checkGrad, type GradOp, type GradCheckOptions, type GradCheckResult } from "./grad-check.js";
export { embeddingsAt, hiddenGradFromEmbeddings, infoNceOnEmbeddings, type InfoNceResult } from "./contrastive-loss.js";
export * as stages from "./stages/index.js";
export { contrastiveData, trainGrpo, t1Formats, type GrpoOptions, type GrpoStepLog } from "./stages/index.js";
