import { defineCommand } from "../command.js";
import { WEIGHTS_OPTION } from "../options/weights.js";
import { loadModel } from "../../engine/model.js";

export default defineCommand({
  name: "generate",
  summary: "Generate text with the native engine (streams to stdout)",
  usage: "--model DIR|FILE.gguf --prompt TEXT [--max-tokens N] [--temperature N] [--top-k N] [--top-p N] [--seed N] [--chat] [--json]",
  details: `
Greedy by default (--temperature 0). --chat wraps the prompt as a user message in the model's chat
template (with --no-thinking, Qwen3 templates pre-fill an empty think block). Generation stops at
the model's eos tokens or after --max-tokens. --json prints {"ids": [...], "text": ...} at the end
instead of streaming.`,
  options: {
    model: { type: "string", description: "Model directory (Hugging Face layout) or .gguf file", required: true, arg: "PATH" },
    prompt: { type: "string", description: "Prompt text (special tokens like <|im_start|> are recognised)", required: true, arg: "TEXT" },
    "max-tokens": { type: "number", integer: true, min: 0, description: "Most new tokens generated", default: 256 },
    temperature: { type: "number", min: 0, description: "0 = greedy; higher = more random", default: 0 },
    "top-k": { type: "number", integer: true, min: 0, description: "Sample only from the K most likely tokens (0 = off)", default: 0 },
    "top-p": { type: "number", min: 0, max: 1, description: "Nucleus sampling mass (1 = off)", default: 1 },
    seed: { type: "number", integer: true, description: "Sampling seed", default: 0 },
    chat: { type: "boolean", description: "Apply the model's chat template to the prompt" },
    "no-thinking": { type: "boolean", description: "With --chat: enable_thinking=false (Qwen3)" },
    json: { type: "boolean", description: "Print {\"ids\", \"text\"} as JSON" },
    weights: WEIGHTS_OPTION,
  },
  async run(values) {
    const model = await loadModel(values.model, { weights: values.weights });
    const promptText = values.prompt;
    const prompt = values.chat
      ? model.chatPrompt([{ role: "user", content: promptText }], values["no-thinking"] ? { enableThinking: false } : {})
      : model.encode(promptText);
    const opts = {
      maxTokens: values["max-tokens"],
      temperature: values.temperature,
      topK: values["top-k"],
      topP: values["top-p"],
      seed: values.seed,
    };
    if (values.json) {
      const [r] = await model.generateText([prompt], opts);
      console.log(JSON.stringify({ ids: r!.ids, text: r!.text, finishReason: r!.finishReason }));
      return 0;
    }
    for await (const ev of model.generate([prompt], opts)) if (ev.text) process.stdout.write(ev.text);
    process.stdout.write("\n");
    return 0;
  },
});
