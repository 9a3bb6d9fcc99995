/**
 * Which BRIGHT a run evaluated: the dataset revision `t1 download --bright --revision REV` fetched
 * (recorded in `<dir>/t1-download.json`) and the sha256 of each document file read. The BRIGHT
 * documents changed after release, so two runs are comparable only when these agree.
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { writeFileAtomic } from "../util/atomic.js";
import { InputError } from "../util/errors.js";

export const BRIGHT_DOWNLOAD_RECORD = "t1-download.json";

export interface BrightDownloadRecord {
  repo: string;
  /** The branch, tag or commit asked for (default "main"). */
  revision: string;
  endpoint?: string;
  downloadedAt: string;
}

/** Records what `t1 download --bright` fetched into `dir` (atomically). */
export function writeBrightDownloadRecord(dir: string, r: BrightDownloadRecord): void {
  writeFileAtomic(join(dir, BRIGHT_DOWNLOAD_RECORD), JSON.stringify(r, null, 2) + "\n");
}

/** The download record of a local copy; undefined when the copy was not made by `t1 download`. */
export function readBrightDownloadRecord(dir: string): BrightDownloadRecord | undefined {
  const file = join(dir, BRIGHT_DOWNLOAD_RECORD);
  if (!existsSync(file)) return undefined;
  try {
    const r = JSON.parse(readFileSync(file, "utf8")) as BrightDownloadRecord;
    if (typeof r.revision !== "string" || typeof r.repo !== "string") throw new Error("needs repo and revision strings");
    return r;
  } catch (e) {
    throw new InputError(`malformed download record: ${(e as Error).message}`, { file });
  }
}

/** sha256 (hex) of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}

/** `{ file name: sha256 }` of the given files. */
export async function fileHashes(files: readonly string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of files) out[basename(f)] = await sha256File(f);
  return out;
}
