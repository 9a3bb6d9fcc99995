/**
 * Every error t1 raises on purpose is a T1Error with a stable `code`, so callers (and the CLI's
 * exit path) can tell bad input from a bug without parsing messages.
 */
export type T1ErrorCode =
  | "BAD_INPUT" // a file, line or field is not what was expected
  | "NOT_FOUND" // a file, model, index or id does not exist
  | "MISMATCH" // e.g. an index built with another model or instruction
  | "UNSUPPORTED" // a feature, dtype or architecture we do not handle
  | "DEPENDENCY" // an optional dependency is missing or failed to load
  | "REMOTE" // a remote server failed or timed out
  | "INTERNAL"; // an invariant broke: a bug in t1

export class T1Error extends Error {
  readonly code: T1ErrorCode;
  constructor(code: T1ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "T1Error";
    this.code = code;
  }
}

/** Bad input that can be pinned to a place: `file:line: message`. */
export class InputError extends T1Error {
  readonly file?: string;
  readonly line?: number;
  constructor(message: string, where: { file?: string; line?: number; field?: string } = {}) {
    const loc = [where.file, where.line].filter((x) => x !== undefined).join(":");
    const field = where.field ? ` (field "${where.field}")` : "";
    super("BAD_INPUT", `${loc ? loc + ": " : ""}${message}${field}`);
    this.name = "InputError";
    this.file = where.file;
    this.line = where.line;
  }
}
