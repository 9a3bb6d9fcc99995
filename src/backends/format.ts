/**
 * What every backend does the same way with the T1 format: pick the chat template (the
 * `chatTemplate` option over the model's own, none → the one error), merge the model's saved
 * t1_format.json with the options, and render prompts with the settings' `enableThinking`.
 */
import { ModelChatTemplate, queryMessages, resolveT1Format, type ChatMessage, type ChatTemplateSpec, type T1FormatSettings } from "../data/t1-format/index.js";
import type { FormatBackendOptions, PromptOptions } from "./types.js";

export class BackendFormat {
  readonly settings: T1FormatSettings;
  readonly chatTemplate: ChatTemplateSpec | undefined;
  private readonly chat: ModelChatTemplate;

  /**
   * `modelTemplate`: the model's template (undefined when it ships none) and its special-token
   * strings; `saved`: its t1_format.json, if any.
   */
  constructor(modelId: string, modelTemplate: ChatTemplateSpec | undefined, saved: T1FormatSettings | undefined, o: FormatBackendOptions) {
    this.settings = resolveT1Format(saved, o.format);
    this.chatTemplate = o.chatTemplate !== undefined ? { bosToken: modelTemplate?.bosToken, eosToken: modelTemplate?.eosToken, template: o.chatTemplate } : modelTemplate?.template ? modelTemplate : undefined;
    this.chat = new ModelChatTemplate(this.chatTemplate, modelId);
  }

  chatMessagesPrompt(messages: readonly ChatMessage[], opts: PromptOptions = {}): string {
    return this.chat.render(messages, { enableThinking: opts.enableThinking ?? this.settings.enableThinking });
  }
}

/** The T1Backend members every backend answers from its BackendFormat. */
export abstract class FormattedBackend {
  protected abstract readonly fmt: BackendFormat;

  get format(): T1FormatSettings {
    return this.fmt.settings;
  }

  get chatTemplate(): ChatTemplateSpec | undefined {
    return this.fmt.chatTemplate;
  }

  chatPrompt(userMessage: string, opts?: PromptOptions): string {
    return this.chatMessagesPrompt(queryMessages("", userMessage), opts);
  }

  chatMessagesPrompt(messages: readonly ChatMessage[], opts?: PromptOptions): string {
    return this.fmt.chatMessagesPrompt(messages, opts);
  }
}
