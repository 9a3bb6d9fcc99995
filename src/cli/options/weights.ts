/** The --weights option of the commands that load the native engine directly (`t1 embed`, `t1 generate`). */
export const WEIGHTS_OPTION = {
  type: "string",
  choices: ["auto", "f32", "f16"],
  description: "Weight storage: f32, f16 (half the memory), or auto (f16 for bf16/f16 checkpoints)",
  default: "auto",
} as const;
