import { bool, defineCommand, optNum, optStr, str, type OptionValues } from "../command.js";
import { InputError } from "../../util/errors.js";
import { loadModel } from "../../engine/model.js";

/** --weights f32|f16. */
function weightsOption(values: OptionValues): "auto" | "f32" | "f16" {
  const w = optStr(values, "weights") ?? "auto";
  if (w !== "auto" && w !== "f32" && w !== "f16") throw new InputError(`--weights must be auto, f32 or f16, got "${w}"`);
  return w;
}

export default defineCommand({
  name: "generate",
  summary: "Generate text with the native engine (streams to stdout)",
  usage: "--model DIR|FILE.gguf --prompt TEXT [--max-tokens N] [--temperature T] [--top-k K] [--top-p P] [--seed S] [--chat] [--json]",
  details: `
Greedy by default (--temperature 0). --chat wraps the prompt as a user message in the model's chat
template (with --no-thinking, Qwen3 templates pre-fill an empty think block). Generation stops at
the model's eos tokens or after --max-tokens. --json prints {"ids": [...], "text": ...} at the end
instead of streaming.`,
  options: {
    model: { type: "string", description: "Model directory (Hugging Face layout) or .gguf file", required: true, arg: "PATH" },
    prompt: { type: "string", description: "Prompt text (special tokens like <|im_start|> are recognised)", required: true, arg: "TEXT" },
    "max-tokens": { type: "number", description: "Most new tokens", default: 256, arg: "N" },
    temperature: { type: "number", description: "0 = greedy; higher = more random", default: 0, arg: "T" },
    "top-k": { type: "number", description: "Sample only from the K most likely tokens (0 = off)", default: 0, arg: "K" },
    "top-p": { type: "number", description: "Nucleus sampling mass (1 = off)", default: 1, arg: "P" },
    seed: { type: "number", description: "Sampling seed", default: 0, arg: "S" },
    chat: { type: "boolean", description: "Apply the model's chat template to the prompt" },
    "no-thinking": { type: "boolean", description: "With --chat: enable_thinking=false (Qwen3)" },
    json: { type: "boolean", description: "Print {\"ids\", \"text\"} as JSON" },
    weights: { type: "string", description: "Weight storage: f32, f16 (half the memory), or auto (f16 for bf16/f16 checkpoints)", default: "auto", arg: "auto|f32|f16" },
  },
  async run(values) {
    const maxTokens = optNum(values, "max-tokens") ?? 256;
    if (!Number.isInteger(maxTokens) || maxTokens < 0) throw new InputError(`t1 generate: --max-tokens must be a non-negative integer, got ${maxTokens}`);
    const model = await loadModel(str(values, "model"), { weights: weightsOption(values) });
    const promptText = str(values, "prompt");
    const prompt = bool(values, "chat")
      ? model.chatPrompt([{ role: "user", content: promptText }], bool(values, "no-thinking") ? { enableThinking: false } : {})
      : model.encode(promptText);
    const opts = {
      maxTokens,
      temperature: optNum(values, "temperature"),
      topK: optNum(values, "top-k"),
      topP: optNum(values, "top-p"),
      seed: optNum(values, "seed"),
    };
    if (bool(values, "json")) {
      const [r] = await model.generateText([prompt], opts);
      console.log(JSON.stringify({ ids: r!.ids, text: r!.text, finishReason: r!.finishReason }));
      return 0;
    }
    for await (const ev of model.generate([prompt], opts)) if (ev.text) process.stdout.write(ev.text);
    process.stdout.write("\n");
    return 0;
  },
});
