/**
 * One writer per index directory: a `writer.lock` file created exclusively, holding the writer's
 * pid and host. A lock whose process is gone (a crash, a kill) is taken over, so a killed
 * `t1 index` can simply be rerun. Readers take no lock: data files are immutable and the manifest
 * is replaced atomically.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { T1Error } from "../../util/errors.js";

export const LOCK_FILE = "writer.lock";

export class WriterLock {
  private constructor(readonly path: string) {}

  static acquire(dir: string): WriterLock {
    const path = join(dir, LOCK_FILE);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = openSync(path, "wx");
        writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname() }));
        closeSync(fd);
        return new WriterLock(path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
      let holder: { pid?: number; host?: string } = {};
      try {
        holder = JSON.parse(readFileSync(path, "utf8")) as typeof holder;
      } catch {
        /* half-written by a writer that died at once: stale */
      }
      if (holder.pid !== undefined && holder.host === hostname() && alive(holder.pid)) {
        throw new T1Error(
          "BAD_INPUT",
          `${dir} is being written by process ${holder.pid}${holder.pid === process.pid ? " (this process, through another open handle)" : ""}; ` +
            `wait for it, or remove ${path} if that process is gone`,
        );
      }
      if (holder.host !== undefined && holder.host !== hostname()) {
        throw new T1Error("BAD_INPUT", `${dir} is locked by a writer on host ${holder.host}; remove ${path} if it is gone`);
      }
      try {
        unlinkSync(path); // stale: its process is gone
      } catch {
        /* another process took it over first: retry */
      }
    }
    throw new T1Error("INTERNAL", `could not take the writer lock ${path}`);
  }

  release(): void {
    try {
      unlinkSync(this.path);
    } catch {
      /* already gone */
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
