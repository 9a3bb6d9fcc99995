/** Opens a T1 backend by kind: the one place the CLI and the server pick an implementation. */
import { InputError } from "../util/errors.js";
import { readChatTemplateFile, type T1FormatSettings } from "../data/t1-format/index.js";
import type { BackendKind, FormatBackendOptions, T1Backend } from "./types.js";

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
  /** native: tokens per prefill pass. Default 2048 (see NativeBackendOptions.batchTokens). */
  batchTokens?: number;
  /** native: storage of the weight matrices. Default "auto" (see NativeBackendOptions.weights). */
  weights?: "auto" | "f32" | "f16";
  /** `--chat-template FILE`: a Jinja chat template used instead of the model's. Default: the model's (none → query prompts are an error naming this flag). */
  chatTemplateFile?: string;
  /** T1 format settings over the model's t1_format.json (flags such as --enable-thinking). Default: the saved file, else the defaults. */
  format?: Partial<T1FormatSettings>;
}

export const BACKEND_KINDS: readonly BackendKind[] = ["native", "llamacpp", "remote"];

export async function openBackend(o: OpenBackendOptions): Promise<T1Backend> {
  const fmt: FormatBackendOptions = { format: o.format, ...(o.chatTemplateFile !== undefined ? { chatTemplate: readChatTemplateFile(o.chatTemplateFile) } : {}) };
  switch (o.backend) {
    case "native": {
      if (!o.model) throw new InputError("the native backend needs --model DIR|FILE.gguf");
      const { NativeBackend } = await import("./native.js");
      const { getKernels } = await import("../engine/kernels/index.js");
      return NativeBackend.open({
        ...fmt,
        model: o.model,
        modelId: o.modelId,
        kernels: o.threads ? getKernels({ threads: o.threads }) : undefined,
        batchTokens: o.batchTokens,
        weights: o.weights,
      });
    }
    case "llamacpp": {
      if (!o.model) throw new InputError("the llamacpp backend needs --model FILE.gguf");
      const { LlamaCppBackend } = await import("./llamacpp.js");
      return LlamaCppBackend.open({ ...fmt, model: o.model, modelId: o.modelId, threads: o.threads, gpu: o.gpu === false ? false : "auto" });
    }
    case "remote": {
      if (!o.url) throw new InputError("the remote backend needs --url http://HOST:PORT");
      const { RemoteBackend } = await import("./remote.js");
      return RemoteBackend.open({ ...fmt, url: o.url, model: o.model, ...(o.concurrency !== undefined ? { concurrency: o.concurrency } : {}) });
    }
  }
  throw new InputError(`unknown backend "${String(o.backend)}" (expected ${BACKEND_KINDS.join(", ")})`);
}
