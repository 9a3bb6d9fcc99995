/** The --weights option of the native engine: `t1 generate`, and `t1 embed` with --backend native. */
export const WEIGHTS_OPTION = {
  type: "string",
  choices: ["auto", "f32", "f16"],
  description: "Weight storage: f32, f16 (half the memory), or auto (f16 for bf16/f16 checkpoints)",
  default: "auto",
} as const;
