/**
 * The T1 format option group: how a backend renders T1 inputs when the model's own settings do not
 * fit. `t1 index`, `search`, `run` (and `serve`) take it; `backendFormatOptions` passes it on.
 */
import type { OpenBackendOptions } from "../../backends/open.js";

export const FORMAT_OPTIONS = {
  "chat-template": { type: "string", description: "Jinja chat template file used instead of the model's (required for models without one)", arg: "FILE" },
} as const;

export interface FormatValues {
  "chat-template"?: string;
}

export function backendFormatOptions(v: FormatValues): Pick<OpenBackendOptions, "chatTemplateFile"> {
  return v["chat-template"] === undefined ? {} : { chatTemplateFile: v["chat-template"] };
}
