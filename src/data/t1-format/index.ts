/** The one T1 format: `<emb_token>`, prompts, chat template, token-id inputs, and the settings saved with a model. */
export { EMB_TOKEN, queryUserMessage, queryMessages, documentPrefix } from "./prompts.js";
export {
  ChatTemplate,
  ModelChatTemplate,
  CHATML_TEMPLATE,
  missingChatTemplate,
  readChatTemplateFile,
  templateFromTokenizerConfig,
  type ChatMessage,
  type ChatTemplateSpec,
  type RenderOptions,
} from "./chat-template.js";
export { T1Inputs, withBos, type T1Tokenization } from "./inputs.js";
export {
  T1_FORMAT_FILE,
  DEFAULT_T1_FORMAT,
  t1FormatPath,
  writeT1FormatSettings,
  readT1FormatSettings,
  parseT1FormatSettings,
  t1FormatJson,
  resolveT1Format,
  documentInstructionText,
  type T1FormatSettings,
  type DocumentInstruction,
} from "./settings.js";
