/**
 * Qwen3's own chat template (the `chat_template` string of ../shared/models/qwen3-tokenizer/
 * tokenizer_config.json) rendered by our renderer, against golden strings written BY HAND from
 * reading that template. Each case names the template branch that produces it:
 *  - system: `messages[0].role == 'system'` (no tools) → '<|im_start|>system\n' + content + '<|im_end|>\n'
 *  - user: `message.role == "user"` → '<|im_start|>user\n' + content + '<|im_end|>\n'
 *  - add_generation_prompt → '<|im_start|>assistant\n', plus '<think>\n\n</think>\n\n' only when
 *    `enable_thinking is defined and enable_thinking is false` (true and unset add nothing)
 *  - assistant after the last user query (`loop.index0 > ns.last_query_index`) and `loop.last`:
 *    '<|im_start|>assistant\n<think>\n' + reasoning_content.strip('\n') + '\n</think>\n\n' +
 *    content.lstrip('\n') + '<|im_end|>\n', where a content with '</think>' is split into
 *    reasoning_content (before it, after '<think>', newlines stripped) and content (after it)
 *  - assistant before the last user query: '<|im_start|>assistant\n' + content + '<|im_end|>\n'
 *    (the reasoning of earlier turns is dropped)
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadModelTokenizer } from "../../src/engine/tokenizer/model-tokenizer.js";
import { needShared } from "../helpers/shared.js";

const dir = needShared("models", "qwen3-tokenizer");
const tok = typeof dir === "string" ? loadModelTokenizer(dir) : undefined;
const skip = typeof dir === "string" ? undefined : dir.skip;

const SYS = { role: "system", content: "You are a retriever." };
const USER = { role: "user", content: "Given a question, retrieve passages\nwhy is the sky blue?" };
const U = "<|im_start|>user\nGiven a question, retrieve passages\nwhy is the sky blue?<|im_end|>\n";
const S = "<|im_start|>system\nYou are a retriever.<|im_end|>\n";

const CASES: { name: string; messages: { role: string; content: string }[]; gen: boolean; thinking?: boolean; golden: string }[] = [
  { name: "user, generation prompt, enable_thinking unset", messages: [USER], gen: true, golden: U + "<|im_start|>assistant\n" },
  { name: "user, enable_thinking true (the `is false` test fails: nothing added)", messages: [USER], gen: true, thinking: true, golden: U + "<|im_start|>assistant\n" },
  { name: "user, enable_thinking false (empty think block pre-filled)", messages: [USER], gen: true, thinking: false, golden: U + "<|im_start|>assistant\n<think>\n\n</think>\n\n" },
  { name: "system + user, thinking unset", messages: [SYS, USER], gen: true, golden: S + U + "<|im_start|>assistant\n" },
  { name: "system + user, thinking off", messages: [SYS, USER], gen: true, thinking: false, golden: S + U + "<|im_start|>assistant\n<think>\n\n</think>\n\n" },
  {
    name: "final assistant turn without a think block gets an empty one",
    messages: [SYS, USER, { role: "assistant", content: "Rayleigh scattering." }],
    gen: false,
    golden: S + U + "<|im_start|>assistant\n<think>\n\n</think>\n\nRayleigh scattering.<|im_end|>\n",
  },
  {
    name: "final assistant turn with reasoning: split at </think>, newlines stripped",
    messages: [USER, { role: "assistant", content: "<think>\n\nShort waves scatter more.\n\n</think>\n\n\nRayleigh scattering." }],
    gen: false,
    thinking: false,
    golden: U + "<|im_start|>assistant\n<think>\nShort waves scatter more.\n</think>\n\nRayleigh scattering.<|im_end|>\n",
  },
  {
    name: "multi-turn: the earlier assistant turn loses its reasoning",
    messages: [USER, { role: "assistant", content: "<think>\nScattering.\n</think>\n\nBlue." }, { role: "user", content: "and sunsets?" }],
    gen: true,
    golden: U + "<|im_start|>assistant\nBlue.<|im_end|>\n<|im_start|>user\nand sunsets?<|im_end|>\n<|im_start|>assistant\n",
  },
];

for (const c of CASES) {
  test(`Qwen3 chat template: ${c.name}`, (t) => {
    if (skip || !tok) return t.skip(skip);
    const out = tok.applyChatTemplate(c.messages, { addGenerationPrompt: c.gen, ...(c.thinking !== undefined ? { enableThinking: c.thinking } : {}) });
    assert.equal(out, c.golden);
  });
}
