/**
 * The T1 format option group: how a backend renders T1 inputs when the model's own settings
 * (its t1_format.json) do not fit. `t1 index`, `search`, `run`, `bright eval` and `serve` take it;
 * `backendFormatOptions` passes it on.
 */
import type { OpenBackendOptions } from "../../backends/open.js";
import type { Values } from "../command.js";
import { InputError } from "../../util/errors.js";

export const FORMAT_OPTIONS = {
  "chat-template": { type: "string", description: "Jinja chat template file used instead of the model's (required for models without one)", arg: "FILE" },
  "enable-thinking": { type: "boolean", description: "Pass enable_thinking=true to the chat template (default: the model's t1_format.json, else the template's default)" },
  "no-thinking": { type: "boolean", description: "Pass enable_thinking=false (Qwen3: an empty <think></think> block)" },
} as const;

/** The parsed values of the group, typed from its specs. */
export type FormatValues = Values<typeof FORMAT_OPTIONS>;

export function backendFormatOptions(v: FormatValues): Pick<OpenBackendOptions, "chatTemplateFile" | "format"> {
  if (v["enable-thinking"] && v["no-thinking"]) throw new InputError("--enable-thinking and --no-thinking exclude each other");
  const enableThinking = v["enable-thinking"] ? true : v["no-thinking"] ? false : undefined;
  return {
    ...(v["chat-template"] === undefined ? {} : { chatTemplateFile: v["chat-template"] }),
    ...(enableThinking === undefined ? {} : { format: { enableThinking } }),
  };
}
