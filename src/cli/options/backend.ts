/**
 * The backend option group: which implementation embeds and generates (native, llama.cpp or a
 * remote server) and how it is opened. Declared once here for `t1 index`, `search`, `run`,
 * `bright eval` and `serve`; `backendFromOptions` turns the parsed values into OpenBackendOptions.
 */
import { BACKEND_KINDS, type OpenBackendOptions } from "../../backends/open.js";
import type { Values } from "../command.js";
import { InputError } from "../../util/errors.js";

const MODEL = { type: "string", description: "Model directory or .gguf (native), .gguf (llamacpp), or model name (remote)", arg: "M" } as const;
const URL_OPTION = { type: "string", description: "Server URL for --backend remote", arg: "URL" } as const;
const THREADS = { type: "number", integer: true, min: 1, description: "CPU threads (default: all cores)" } as const;
const NO_GPU = { type: "boolean", description: "llamacpp: stay on the CPU" } as const;

/** For commands that open a model from scratch (`t1 index`, `t1 bright eval`). */
export const BACKEND_OPTIONS = {
  model: MODEL,
  backend: { type: "string", choices: BACKEND_KINDS, description: "Implementation: the native engine, llama.cpp, or a remote t1 serve", default: "native" },
  url: URL_OPTION,
  threads: THREADS,
  "no-gpu": NO_GPU,
} as const;

/** For `t1 serve`: a model on this machine (native or llama.cpp; a remote server is served already, so no --url). */
export const LOCAL_BACKEND_OPTIONS = {
  model: { type: "string", description: "Model directory or .gguf (native), .gguf (llamacpp)", required: true, arg: "M" },
  backend: { type: "string", choices: ["native", "llamacpp"], description: "Implementation: the native engine or llama.cpp (a remote server is served already)", default: "native" },
  threads: THREADS,
  "no-gpu": NO_GPU,
} as const;

/** For commands that reopen what an index recorded (`t1 search`, `t1 run`): every value overrides it. */
export const BACKEND_OVERRIDE_OPTIONS = {
  backend: { type: "string", choices: BACKEND_KINDS, description: "Override the backend recorded in the index" },
  model: { type: "string", description: "Override the model recorded in the index (checked against it by content)", arg: "M" },
  "model-id": { type: "string", description: "Model identity to check against the index instead of its content hash (e.g. the GGUF of the same weights)", arg: "ID" },
  url: URL_OPTION,
  threads: THREADS,
  "no-gpu": NO_GPU,
} as const;

/**
 * The parsed values of any of these groups, typed from the override group's specs (it has every
 * key): a key another group lacks (--url in serve, --model-id) reads as absent.
 */
export type BackendValues = Partial<Values<typeof BACKEND_OVERRIDE_OPTIONS>> & Pick<Values<typeof BACKEND_OVERRIDE_OPTIONS>, "no-gpu">;

/** OpenBackendOptions from the backend group; `needsModel` names the command in the error. */
export function backendFromOptions(v: BackendValues, command: string, extra: { concurrency?: number } = {}): OpenBackendOptions {
  const backend = v.backend ?? "native";
  if (backend !== "remote" && v.model === undefined) throw new InputError(`t1 ${command}: --backend ${backend} needs --model DIR|FILE.gguf`);
  if (backend === "remote" && v.url === undefined) throw new InputError(`t1 ${command}: --backend remote needs --url http://HOST:PORT`);
  return {
    backend,
    model: v.model,
    url: v.url,
    modelId: v["model-id"],
    threads: v.threads,
    gpu: !v["no-gpu"],
    ...(extra.concurrency !== undefined ? { concurrency: extra.concurrency } : {}),
  };
}

