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
import { T1Error } from "../../util/errors.js";
import { ModelChatTemplate, templateFromTokenizerConfig, T1Inputs, withBos, EMB_TOKEN, type ChatMessage, type RenderOptions, type ChatTemplateSpec } from "../../data/t1-format/index.js";

export type { ChatMessage } from "../../data/t1-format/index.js";
/** Options of `applyChatTemplate` (the data layer's renderer options). */
export type ChatTemplateOptions = RenderOptions;

function tokenContent(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (v && typeof v === "object" && typeof (v as { content?: unknown }).content === "string") return (v as { content: string }).content;
  return undefined;
}

export class TextTokenizer {
  private readonly tok: Tokenizer;
  private readonly template: ModelChatTemplate;
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
    const tpl = templateFromTokenizerConfig(tokenizerConfig);
    this.template = new ModelChatTemplate(tpl === undefined ? undefined : { template: tpl, bosToken: this.bosToken, eosToken: this.eosToken }, source);
  }

  get hasChatTemplate(): boolean {
    return this.template.available;
  }

  /** The model's chat template and special tokens, undefined when it has none. */
  get chatTemplate(): ChatTemplateSpec | undefined {
    return this.template.specification;
  }

  /**
   * The T1 input builder over this tokenizer: special tokens parsed, BOS exactly when the
   * tokenizer's post-processor puts one in front, and never the EOS a post-processor appends.
   */
  t1Inputs(): T1Inputs {
    const embId = this.tokenId(EMB_TOKEN);
    if (embId === undefined) throw new T1Error("BAD_INPUT", `${this.source}: the vocabulary has no ${EMB_TOKEN} (add it with \`t1 add-emb-token\`)`);
    return new T1Inputs({ tokenize: (t) => this.encode(t, { addSpecialTokens: false }), bosId: this.promptBosId, embId });
  }

  /** Ids of a prompt to continue: special tokens parsed, BOS when the model wants one, no automatic EOS. */
  encodePrompt(text: string): number[] {
    return withBos(this.encode(text, { addSpecialTokens: false }), this.promptBosId);
  }

  private bosProbe?: { id: number | undefined };
  /** The one id the post-processor puts before every text (Llama's BOS), if any; its appended EOS is ignored. */
  get promptBosId(): number | undefined {
    this.bosProbe ??= { id: this.leadingSpecialId() };
    return this.bosProbe.id;
  }

  private leadingSpecialId(): number | undefined {
    const probe = "a";
    const plain = this.encode(probe, { addSpecialTokens: false });
    const full = this.encode(probe);
    for (let lead = 0; lead <= full.length - plain.length; lead++) {
      if (plain.every((id, i) => full[lead + i] === id)) return lead === 1 ? full[0] : undefined;
    }
    return undefined;
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
    return this.template.render(messages, opts);
  }

  /** Token ids of a chat prompt (template rendered, no extra special tokens added). */
  encodeChat(messages: readonly ChatMessage[], opts: ChatTemplateOptions = {}): number[] {
    return this.encode(this.applyChatTemplate(messages, opts), { addSpecialTokens: false });
  }
}
