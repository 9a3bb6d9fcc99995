import { after } from "node:test";
import { rmSync } from "node:fs";

const scratchDirs: string[] = [];
let registered = false;

/** Registers a temporary folder to be removed when the calling test file's tests end. */
export function scratch(dir: string): string {
  if (!registered) {
    registered = true;
    after(() => {
      for (const d of scratchDirs) rmSync(d, { recursive: true, force: true });
    });
  }
  scratchDirs.push(dir);
  return dir;
}
