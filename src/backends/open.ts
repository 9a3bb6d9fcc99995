/** Opens a T1 backend by kind: the one place the CLI and the server pick an implementation. */
import { readFileSync } from "node:fs";
import { InputError, T1Error } from "../util/errors.js";
import type { BackendKind, T1Backend } from "./types.js";

export interface OpenBackendOptions {
  backend: BackendKind;
  /** native: model directory or .gguf; llamacpp: .gguf file; remote: model name on the server (optional). */
  model?: string;
  /** remote: server base URL. */
  url?: string;
  /** Identity recorded in indexes. Default: the resolved model path (local) or server model name (remote). */
  modelId?: string;
  /** CPU threads (native kernels, llama.cpp). Default: all cores. */
  threads?: number;
  /** llamacpp: use a GPU when one is found. Default true. */
  gpu?: boolean;
  /** remote: requests in flight at once. Default 4 (see HttpClientOptions.concurrency). */
  concurrency?: number;
  /** `--chat-template FILE`: a Jinja chat template used instead of the model's. Default: the model's (none → query prompts are an error naming this flag). */
  chatTemplateFile?: string;
}

export const BACKEND_KINDS: readonly BackendKind[] = ["native", "llamacpp", "remote"];

export async function openBackend(o: OpenBackendOptions): Promise<T1Backend> {
  const chatTemplate = o.chatTemplateFile === undefined ? undefined : readChatTemplateFile(o.chatTemplateFile);
  switch (o.backend) {
    case "native": {
      if (!o.model) throw new InputError("the native backend needs --model DIR|FILE.gguf");
      const { NativeBackend } = await import("./native.js");
      const { getKernels } = await import("../engine/kernels/index.js");
      return NativeBackend.open({ model: o.model, modelId: o.modelId, chatTemplate, kernels: o.threads ? getKernels({ threads: o.threads }) : undefined });
    }
    case "llamacpp": {
      if (!o.model) throw new InputError("the llamacpp backend needs --model FILE.gguf");
      const { LlamaCppBackend } = await import("./llamacpp.js");
      return LlamaCppBackend.open({ model: o.model, modelId: o.modelId, threads: o.threads, gpu: o.gpu === false ? false : "auto", chatTemplate });
    }
    case "remote": {
      if (!o.url) throw new InputError("the remote backend needs --url http://HOST:PORT");
      const { RemoteBackend } = await import("./remote.js");
      return RemoteBackend.open({ url: o.url, model: o.model, chatTemplate, ...(o.concurrency !== undefined ? { concurrency: o.concurrency } : {}) });
    }
  }
  throw new InputError(`unknown backend "${String(o.backend)}" (expected ${BACKEND_KINDS.join(", ")})`);
}

export function parseBackendKind(s: string): BackendKind {
  if ((BACKEND_KINDS as readonly string[]).includes(s)) return s as BackendKind;
  throw new InputError(`--backend must be one of ${BACKEND_KINDS.join(", ")}, got "${s}"`);
}

/** The text of a `--chat-template FILE`; NOT_FOUND naming the flag when it cannot be read. */
function readChatTemplateFile(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new T1Error("NOT_FOUND", `--chat-template ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}
