export { evaluateRun, formatTrecEval, judgeRanking, type EvaluateOptions, type EvaluationResult, type FormatOptions } from "./evaluate.js";
export { parseMeasures, SUPPORTED_FAMILIES, type MeasureSpec } from "./measure-specs.js";
