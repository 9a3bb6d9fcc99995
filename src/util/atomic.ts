import { closeSync, fsyncSync, openSync, renameSync, writeFileSync, writeSync, unlinkSync, mkdirSync } from "node:fs";
import { dirname, basename, join } from "node:path";

/** A sibling temporary path: same directory so that rename() is atomic on POSIX file systems. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now().toString(36)}.tmp`);
}

/**
 * Writes a whole file or nothing: data goes to a temporary sibling, is fsynced, then renamed over
 * the target. A crash leaves either the old file or the new one, never half of one.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array | readonly Uint8Array[]): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  try {
    if (typeof data === "string" || data instanceof Uint8Array) {
      writeFileSync(tmp, data);
      const fd = openSync(tmp, "r+");
      fsyncSync(fd);
      closeSync(fd);
    } else {
      const fd = openSync(tmp, "w");
      try {
        for (const chunk of data) {
          let off = 0;
          while (off < chunk.length) off += writeSync(fd, chunk, off);
        }
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw e;
  }
}
