import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { InputError, T1Error } from "../util/errors.js";

/** Reads a text file ("-" is standard input), gunzipping `.gz`; a missing file is NOT_FOUND naming the path. */
export function readTextFile(path: string): string {
  let buf: Buffer;
  try {
    buf = readFileSync(path === "-" ? 0 : path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new T1Error("NOT_FOUND", `${path}: no such file`);
    throw new T1Error("BAD_INPUT", `${path}: cannot read (${code ?? String(e)})`, { cause: e });
  }
  if (path.endsWith(".gz")) {
    try {
      buf = gunzipSync(buf);
    } catch (e) {
      throw new InputError(`not a valid gzip file (${(e as Error).message})`, { file: path });
    }
  }
  return buf.toString("utf8");
}
