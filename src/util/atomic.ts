import { chmodSync, closeSync, copyFileSync, fsyncSync, openSync, renameSync, writeSync, unlinkSync, mkdirSync } from "node:fs";
import { dirname, basename, join } from "node:path";

/** A sibling temporary path: same directory so that rename() is atomic on POSIX file systems. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now().toString(36)}.tmp`);
}

/**
 * Produces a file through a temporary sibling that `write` fills (for writers that need a path of
 * their own: native libraries, streamed output), then renames it over `path`. On any error the
 * temporary file is removed and `path` keeps its old content.
 */
export function replaceViaTemp<T>(path: string, write: (tmp: string) => T): T {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  try {
    const result = write(tmp);
    renameSync(tmp, path);
    return result;
  } catch (e) {
    removeQuietly(tmp);
    throw e;
  }
}

/** `replaceViaTemp` for writers that await (e.g. tensors produced one at a time). */
export async function replaceViaTempAsync<T>(path: string, write: (tmp: string) => Promise<T>): Promise<T> {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  try {
    const result = await write(tmp);
    renameSync(tmp, path);
    return result;
  } catch (e) {
    removeQuietly(tmp);
    throw e;
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}

/**
 * Writes a whole file or nothing: data goes to a temporary sibling, is fsynced, then renamed over
 * the target. A crash leaves either the old file or the new one, never half of one.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array | readonly Uint8Array[]): void {
  replaceViaTemp(path, (tmp) => {
    const fd = openSync(tmp, "w");
    try {
      const chunks = typeof data === "string" ? [Buffer.from(data)] : data instanceof Uint8Array ? [data] : data;
      for (const chunk of chunks) {
        let off = 0;
        while (off < chunk.length) off += writeSync(fd, chunk, off);
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  });
}

/**
 * Copies a file and gives the copy ordinary permissions (rw-r--r--): copyFileSync keeps the
 * source's mode, so files copied out of a read-only folder (a shared model) stayed read-only and
 * could not be replaced or deleted by the tools that own the copy.
 */
export function copyFileWithNormalMode(src: string, dest: string): void {
  copyFileSync(src, dest);
  chmodSync(dest, 0o644);
}
