import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The package root: the directory holding package.json, found from this file in src/ or dist/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "package.json"))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error("t1: cannot find package.json above " + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/**
 * `../shared` beside the repository (real data and models for tests and the default job), or
 * T1_SHARED_DIR when set. Returns undefined when absent: a user's checkout does not have it.
 */
export function sharedDir(): string | undefined {
  const candidate = process.env.T1_SHARED_DIR ?? resolve(packageRoot(), "..", "shared");
  return existsSync(candidate) ? candidate : undefined;
}

/** A path inside the shared folder, or undefined when the folder or the path is absent. */
export function sharedPath(...parts: string[]): string | undefined {
  const base = sharedDir();
  if (!base) return undefined;
  const p = join(base, ...parts);
  return existsSync(p) ? p : undefined;
}
