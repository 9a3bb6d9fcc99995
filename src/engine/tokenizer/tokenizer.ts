/**
 * Text ↔ token ids for a model: tokenizer.json through @huggingface/tokenizers (added special
 * tokens such as `<emb_token>` included) and the chat template of tokenizer_config.json through
 * @huggingface/jinja.
 *
 * BOS: `encode` applies the tokenizer's own post-processor, so Llama's adds `<s>` and Qwen's adds
 * nothing, as in transformers. A chat prompt is encoded WITHOUT special-token post-processing
 * (the template already writes any BOS), as `apply_chat_template(tokenize=True)` does.
 */
import { Tokenizer } from "@huggingface/tokenizers";
import { Template } from "@huggingface/jinja";
import { T1Error } from "../../util/errors.js";

export interface ChatMessage {
  role: "system" | "user" | "assistant" | string;
  content: string;
}

export interface ChatTemplateOptions {
  /** Append the assistant turn header so the model writes the answer. Default true. */
  addGenerationPrompt?: boolean;
  /** Qwen3's switch: false pre-fills an empty `<think></think>` block. Default: unset (the
   * template's own default, thinking allowed). */
  enableThinking?: boolean;
  /** Further template variables. */
  extra?: Record<string, unknown>;
}

function tokenContent(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (v && typeof v === "object" && typeof (v as { content?: unknown }).content === "string") return (v as { content: string }).content;
  return undefined;
}

export class TextTokenizer {
  private readonly tok: Tokenizer;
  private readonly template: Template | undefined;
  readonly bosToken: string | undefined;
  readonly eosToken: string | undefined;

  constructor(tokenizerJson: Record<string, unknown>, tokenizerConfig: Record<string, unknown> = {}, readonly source = "tokenizer.json") {
    try {
      this.tok = new Tokenizer(tokenizerJson, tokenizerConfig);
    } catch (e) {
      throw new T1Error("BAD_INPUT", `${source}: cannot build the tokenizer: ${(e as Error).message}`);
    }
    this.bosToken = tokenContent(tokenizerConfig.bos_token);
    this.eosToken = tokenContent(tokenizerConfig.eos_token);
    let tpl = tokenizerConfig.chat_template;
    if (Array.isArray(tpl)) tpl = (tpl as { name: string; template: string }[]).find((t) => t.name === "default")?.template;
    if (typeof tpl === "string") {
      try {
        this.template = new Template(tpl);
      } catch (e) {
        throw new T1Error("BAD_INPUT", `${source}: chat_template does not parse: ${(e as Error).message}`);
      }
    }
  }

  get hasChatTemplate(): boolean {
    return this.template !== undefined;
  }

  /** Number of tokens including added ones. */
  get size(): number {
    return this.tok.get_vocab(true).size;
  }

  /** Token ids of `text`; `addSpecialTokens` (default true) runs the post-processor (Llama's BOS). */
  encode(text: string, opts: { addSpecialTokens?: boolean } = {}): number[] {
    return this.tok.encode(text, { add_special_tokens: opts.addSpecialTokens ?? true }).ids;
  }

  /** Text of `ids`; `skipSpecialTokens` default false (so `<emb_token>`, `<think>` stay visible). */
  decode(ids: readonly number[], opts: { skipSpecialTokens?: boolean } = {}): string {
    if (ids.length === 0) return "";
    return this.tok.decode(ids as number[], { skip_special_tokens: opts.skipSpecialTokens ?? false });
  }

  /** Id of a token string (special or not), or undefined. */
  tokenId(token: string): number | undefined {
    return this.tok.token_to_id(token);
  }

  idToToken(id: number): string | undefined {
    return this.tok.id_to_token(id);
  }

  /** Renders the chat template to text. */
  applyChatTemplate(messages: readonly ChatMessage[], opts: ChatTemplateOptions = {}): string {
    if (!this.template) throw new T1Error("BAD_INPUT", `${this.source}: tokenizer_config.json has no chat_template (give one with --chat-template FILE)`);
    const vars: Record<string, unknown> = {
      messages,
      add_generation_prompt: opts.addGenerationPrompt ?? true,
      bos_token: this.bosToken ?? "",
      eos_token: this.eosToken ?? "",
      ...opts.extra,
    };
    if (opts.enableThinking !== undefined) vars.enable_thinking = opts.enableThinking;
    return this.template.render(vars);
  }

  /** Token ids of a chat prompt (template rendered, no extra special tokens added). */
  encodeChat(messages: readonly ChatMessage[], opts: ChatTemplateOptions = {}): number[] {
    return this.encode(this.applyChatTemplate(messages, opts), { addSpecialTokens: false });
  }
}
