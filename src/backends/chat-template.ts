/**
 * Renders a model's Jinja chat template (tokenizer_config.json or GGUF `tokenizer.chat_template`)
 * for one user message, with the generation prompt, using @huggingface/jinja, the renderer
 * transformers.js uses. Models without a template get ChatML, the format of Qwen and of our tiny
 * models.
 */
import { Template } from "@huggingface/jinja";
import { T1Error } from "../util/errors.js";

export const CHATML_TEMPLATE =
  "{%- for message in messages %}{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}{%- endfor %}" +
  "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

export interface ChatTemplateOptions {
  /** Jinja source. Default: ChatML. */
  template?: string;
  bosToken?: string;
  eosToken?: string;
  /** Passed to templates that read it (Qwen3: false pre-fills an empty think block). Default: unset. */
  enableThinking?: boolean;
}

export interface ChatMessage {
  role: string;
  content: string;
}

export class ChatTemplate {
  private readonly compiled: Template;
  constructor(private readonly opts: ChatTemplateOptions = {}) {
    try {
      this.compiled = new Template(opts.template ?? CHATML_TEMPLATE);
    } catch (e) {
      throw new T1Error("BAD_INPUT", `cannot parse the model's chat template: ${(e as Error).message}`, { cause: e });
    }
  }

  /** The prompt for one user turn, ending where the assistant's reply starts. */
  userPrompt(message: string): string {
    return this.render([{ role: "user", content: message }]);
  }

  /** The prompt for a whole conversation, ending where the assistant's next reply starts. */
  render(messages: readonly ChatMessage[]): string {
    return this.compiled.render({
      messages: messages.map((m) => ({ role: m.role, content: m.content })),
      add_generation_prompt: true,
      bos_token: this.opts.bosToken ?? "",
      eos_token: this.opts.eosToken ?? "",
      ...(this.opts.enableThinking !== undefined ? { enable_thinking: this.opts.enableThinking } : {}),
    });
  }
}
