/**
 * Task instructions. BRIGHT publishes one per task (T1-METHOD.md §2); T1 puts the same text before
 * the query (in the chat turn) and before each document (our choice, overridable on both sides).
 */
import { InputError } from "../../util/errors.js";

export const BRIGHT_TASKS = [
  "biology",
  "earth_science",
  "economics",
  "psychology",
  "robotics",
  "stackoverflow",
  "sustainable_living",
  "leetcode",
  "pony",
  "aops",
  "theoremqa_questions",
  "theoremqa_theorems",
] as const;
export type BrightTask = (typeof BRIGHT_TASKS)[number];

const STACKEXCHANGE: Partial<Record<BrightTask, string>> = {
  biology: "biology",
  earth_science: "earth_science",
  economics: "economics",
  psychology: "psychology",
  robotics: "robotics",
  stackoverflow: "stackoverflow",
  sustainable_living: "sustainable_living",
};

/**
 * BRIGHT's instruction for `task` (domain names as in BRIGHT's own configs, underscores kept).
 * `long` selects the long-document setting ("documents" instead of "passages"); it exists only
 * for the StackExchange domains and pony.
 */
export function brightInstruction(task: string, opts: { long?: boolean } = {}): string {
  const t = task.replace(/-/g, "_") as BrightTask;
  const unit = opts.long ? "documents" : "passages";
  if (opts.long && !(t in STACKEXCHANGE) && t !== "pony") {
    throw new InputError(`BRIGHT has no long-document setting for "${task}" (only the StackExchange domains and pony)`);
  }
  const se = STACKEXCHANGE[t];
  if (se) return `Given a ${se} post, retrieve relevant ${unit} that help answer the post`;
  switch (t) {
    case "pony":
      return `Given a pony question, retrieve relevant ${unit} that help answer the question`;
    case "leetcode":
      return "Given a coding problem, retrieve relevant examples that help answer the problem";
    case "aops":
    case "theoremqa_questions":
      return "Given a Math problem, retrieve relevant examples that help answer the problem";
    case "theoremqa_theorems":
      return "Given a Math problem, retrieve relevant theorems that help answer the problem";
  }
  throw new InputError(`unknown BRIGHT task "${task}" (expected one of ${BRIGHT_TASKS.join(", ")})`);
}

/** The user turn of a T1 query (our choice: instruction, newline, query; no instruction → the query alone). */
export function queryUserMessage(instruction: string, query: string): string {
  return instruction ? `${instruction}\n${query}` : query;
}

/** The document text before `<emb_token>` (our choice: instruction, newline, text). */
export function documentPrefix(instruction: string): string {
  return instruction ? `${instruction}\n` : "";
}
