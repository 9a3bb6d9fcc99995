/** Public API of the backends: one T1 interface over native, llama.cpp and remote servers. */
export * from "./types.js";
export { openBackend, BACKEND_KINDS, type OpenBackendOptions } from "./open.js";
export { NativeBackend, type NativeBackendOptions } from "./native.js";
export { LlamaCppBackend, type LlamaCppBackendOptions } from "./llamacpp.js";
export { RemoteBackend, type RemoteBackendOptions } from "./remote.js";
