/**
 * The T1 format module on its own: t1_format.json round trip and validation (errors name the file
 * and the field), the one set of defaults, the document-instruction choice, the chat template
 * renderer and the input builder's BOS/parts rules.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ChatTemplate,
  CHATML_TEMPLATE,
  DEFAULT_T1_FORMAT,
  ModelChatTemplate,
  T1Inputs,
  T1_FORMAT_FILE,
  documentInstructionText,
  readT1FormatSettings,
  resolveT1Format,
  writeT1FormatSettings,
} from "../../src/data/t1-format/index.js";
import { InputError } from "../../src/util/errors.js";
import { scratch } from "../helpers/scratch.js";

const tmp = () => scratch(mkdtempSync(join(tmpdir(), "t1-format-")));

test("t1_format.json: written with every choice stated, read back equal; absent → undefined", () => {
  const dir = tmp();
  assert.equal(readT1FormatSettings(dir), undefined);
  const s = writeT1FormatSettings(dir, { instruction: "Given a post, retrieve", documentInstruction: "none", enableThinking: false, maxReasoningTokens: 128, stopTokens: ["</think>"], learnedToStop: true });
  const json = JSON.parse(readFileSync(join(dir, T1_FORMAT_FILE), "utf8")) as Record<string, unknown>;
  assert.deepEqual(json, {
    format: "t1",
    version: 1,
    instruction: "Given a post, retrieve",
    document_instruction: "none",
    enable_thinking: false,
    max_document_tokens: DEFAULT_T1_FORMAT.maxDocumentTokens,
    max_reasoning_tokens: 128,
    stop_tokens: ["</think>"],
    learned_to_stop: true,
  });
  assert.deepEqual(readT1FormatSettings(dir), s);
  // A .gguf file reads the settings beside it.
  writeFileSync(join(dir, "m.gguf"), "");
  assert.deepEqual(readT1FormatSettings(join(dir, "m.gguf")), s);
});

test("t1_format.json: a bad field is an InputError naming the file and the field", () => {
  const dir = tmp();
  const file = join(dir, T1_FORMAT_FILE);
  const cases: [Record<string, unknown>, string][] = [
    [{ format: "t1", version: 1, max_document_tokens: 0 }, "max_document_tokens"],
    [{ format: "t1", version: 1, document_instruction: "sometimes" }, "document_instruction"],
    [{ format: "t1", version: 1, enable_thinking: "yes" }, "enable_thinking"],
    [{ format: "t1", version: 1, stop_tokens: [""] }, "stop_tokens"],
    [{ format: "t1", version: 1, max_doc_len: 5 }, "max_doc_len"],
    [{ format: "t1", version: 2 }, "version"],
    [{ version: 1 }, "format"],
  ];
  for (const [body, field] of cases) {
    writeFileSync(file, JSON.stringify(body));
    assert.throws(() => readT1FormatSettings(dir), (e: unknown) => e instanceof InputError && e.message.startsWith(file) && e.message.includes(`(field "${field}")`), field);
  }
  writeFileSync(file, "{ not json");
  assert.throws(() => readT1FormatSettings(dir), /t1_format\.json: not valid JSON/);
  assert.throws(() => writeT1FormatSettings(dir, { maxReasoningTokens: 1.5 }), /field "max_reasoning_tokens"/);
});

test("defaults, overrides and the document instruction", () => {
  assert.deepEqual(resolveT1Format(undefined), DEFAULT_T1_FORMAT);
  const saved = resolveT1Format(undefined, { instruction: "Find it", maxDocumentTokens: 64 });
  const r = resolveT1Format(saved, { maxDocumentTokens: undefined, maxReasoningTokens: 9 });
  assert.equal(r.maxDocumentTokens, 64, "undefined does not override");
  assert.equal(r.maxReasoningTokens, 9);
  assert.equal(documentInstructionText(r), "Find it");
  assert.equal(documentInstructionText({ ...r, documentInstruction: "none" }), "");
  assert.equal(documentInstructionText({ ...r, documentInstruction: { custom: "Passage:" } }), "Passage:");
});

test("chat template: renders messages, enable_thinking and bos_token; none → the one error naming --chat-template", () => {
  const msgs = [{ role: "user", content: "Hi" }];
  assert.equal(new ChatTemplate({ template: CHATML_TEMPLATE }).render(msgs), "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
  const t = new ChatTemplate({ template: "{{ bos_token }}{{ messages[0].content }}{% if enable_thinking is defined and not enable_thinking %}/no_think{% endif %}", bosToken: "<s>" });
  assert.equal(t.render(msgs), "<s>Hi");
  assert.equal(t.render(msgs, { enableThinking: false }), "<s>Hi/no_think");
  assert.throws(() => new ModelChatTemplate(undefined, "m").render(msgs), /m has no chat template.*--chat-template FILE/);
  assert.throws(() => new ModelChatTemplate({ template: "{% if %}" }, "m"), /m: the chat template does not parse/);
});

test("input builder: BOS once (not doubled when the template wrote it), parts tokenised apart, emb appended", () => {
  // A toy tokenizer: one id per character, "B" is BOS, "E" the emb token.
  const inputs = new T1Inputs({ tokenize: (s) => [...s].map((c) => c.charCodeAt(0)), bosId: 66, embId: 69 });
  assert.deepEqual(inputs.text("ab"), [66, 97, 98]);
  assert.deepEqual(inputs.text("Bab"), [66, 97, 98]);
  assert.deepEqual(inputs.query("a", "b"), [66, 97, 98, 69]);
  assert.deepEqual(inputs.document("x", "abcd", 3), [66, 120, 97, 69]);
  assert.deepEqual(inputs.uptoEmb([1, 69, 2]), [1, 69]);
  assert.deepEqual(inputs.uptoEmb([1, 2]), [1, 2, 69]);
  assert.deepEqual(new T1Inputs({ tokenize: (s) => [s.length], embId: 9 }).query("ab", "c"), [2, 1, 9]);
});
