/**
 * The chat-template renderer every T1 path uses (native engine, llama.cpp, remote client, training):
 * a model's Jinja template (tokenizer_config.json, chat_template.jinja, GGUF
 * `tokenizer.chat_template`, a t1 server's /v1/models, or `--chat-template FILE`) rendered with
 * @huggingface/jinja, the renderer transformers.js uses.
 *
 * One rule for a model without a template, on every backend: building a chat prompt is an error
 * that names `--chat-template FILE`. There is no silent ChatML fallback: a prompt in a format the
 * model never saw embeds queries wrongly without any sign. `CHATML_TEMPLATE` is exported for
 * callers who want ChatML explicitly (Qwen's format).
 */
import { readFileSync, existsSync } from "node:fs";
import { Template } from "@huggingface/jinja";
import { InputError, T1Error } from "../../util/errors.js";

/** One turn of a conversation: the one ChatMessage type of t1. */
export interface ChatMessage {
  role: "system" | "user" | "assistant" | string;
  content: string;
}

/** A template and the special-token strings it may print (`{{ bos_token }}`). */
export interface ChatTemplateSpec {
  /** Jinja source. */
  template: string;
  bosToken?: string;
  eosToken?: string;
}

export interface RenderOptions {
  /** Append the assistant turn header so the model writes the reply. Default true. */
  addGenerationPrompt?: boolean;
  /** Qwen3's switch: false pre-fills an empty `<think></think>` block. Default: unset (the template's own default). */
  enableThinking?: boolean;
  /** Further template variables. */
  extra?: Record<string, unknown>;
}

export const CHATML_TEMPLATE =
  "{%- for message in messages %}{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}{%- endfor %}" +
  "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

export class ChatTemplate {
  private readonly compiled: Template;

  /** `source` names where the template came from, for errors. */
  constructor(
    readonly spec: ChatTemplateSpec,
    readonly source = "chat template",
  ) {
    try {
      this.compiled = new Template(spec.template);
    } catch (e) {
      throw new T1Error("BAD_INPUT", `${source}: the chat template does not parse: ${(e as Error).message}`, { cause: e });
    }
  }

  /** The prompt text for a conversation (by default ending where the assistant's next reply starts). */
  render(messages: readonly ChatMessage[], opts: RenderOptions = {}): string {
    const vars: Record<string, unknown> = {
      messages: messages.map((m) => ({ role: m.role, content: m.content })),
      add_generation_prompt: opts.addGenerationPrompt ?? true,
      bos_token: this.spec.bosToken ?? "",
      eos_token: this.spec.eosToken ?? "",
      ...opts.extra,
    };
    if (opts.enableThinking !== undefined) vars.enable_thinking = opts.enableThinking;
    return this.compiled.render(vars);
  }
}

/** The error of the one no-template rule, raised where a chat prompt is first needed. */
export function missingChatTemplate(model: string): T1Error {
  return new T1Error(
    "BAD_INPUT",
    `${model} has no chat template, so T1 cannot build its query prompt: pass --chat-template FILE (a Jinja chat template, e.g. the ChatML one in docs) or use a model that ships one`,
  );
}

/**
 * A model's template, or the no-template error raised only when a chat prompt is built: models
 * without one still embed documents. A template that does not parse fails at construction.
 */
export class ModelChatTemplate {
  private readonly compiled?: ChatTemplate;
  constructor(
    private readonly spec: ChatTemplateSpec | undefined,
    private readonly model: string,
  ) {
    if (spec) this.compiled = new ChatTemplate(spec, model);
  }

  get available(): boolean {
    return this.spec !== undefined;
  }

  /** The template's source and special tokens, e.g. for a server to announce. */
  get specification(): ChatTemplateSpec | undefined {
    return this.spec;
  }

  render(messages: readonly ChatMessage[], opts?: RenderOptions): string {
    if (!this.compiled) throw missingChatTemplate(this.model);
    return this.compiled.render(messages, opts);
  }
}

/** The Jinja source of `--chat-template FILE`. */
export function readChatTemplateFile(path: string): string {
  if (!existsSync(path)) throw new InputError(`chat template file not found`, { file: path });
  const text = readFileSync(path, "utf8");
  if (!text.trim()) throw new InputError(`the chat template file is empty (expected a Jinja template)`, { file: path });
  return text;
}

/** The template string of a tokenizer_config.json `chat_template` (a string or a named list: "default"). */
export function templateFromTokenizerConfig(cfg: Record<string, unknown>): string | undefined {
  const tpl = cfg.chat_template;
  if (typeof tpl === "string") return tpl;
  if (Array.isArray(tpl)) return (tpl as { name?: string; template?: string }[]).find((t) => t.name === "default")?.template;
  return undefined;
}
