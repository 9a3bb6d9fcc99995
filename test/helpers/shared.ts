import { sharedPath } from "../../src/util/paths.js";

/**
 * Resolves a path under ../shared for a test. When absent, returns a skip message instead, so a
 * test can do `const p = needShared("data","classic"); if (typeof p !== "string") return t.skip(p.skip)`.
 */
export function needShared(...parts: string[]): string | { skip: string } {
  const p = sharedPath(...parts);
  return p ?? { skip: `../shared/${parts.join("/")} is absent (it ships beside the repo in CI); skipping` };
}
