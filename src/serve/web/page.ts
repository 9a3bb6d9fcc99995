/**
 * The search page served at GET / by `t1 serve --index IDX`: one self-contained HTML file
 * (index.html beside this module: inline CSS and JS, no framework, nothing fetched from elsewhere).
 * Read from the source tree when run through tsx, or from dist/ next to the compiled module.
 */
import { existsSync, readFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { T1Error } from "../../util/errors.js";

const here = dirname(fileURLToPath(import.meta.url));
/** Beside this module (src/serve/web, or dist/serve/web when the build copies it), else the source tree from dist/. */
const CANDIDATES = [join(here, "index.html"), join(here, "..", "..", "..", "src", "serve", "web", "index.html")];

let cached: string | undefined;

/** The page's HTML (read once). */
export function searchPageHtml(): string {
  if (cached !== undefined) return cached;
  const file = CANDIDATES.find((f) => existsSync(f));
  if (!file) throw new T1Error("NOT_FOUND", `the search page is missing (looked for ${CANDIDATES.join(", ")})`);
  cached = readFileSync(file, "utf8");
  return cached;
}

/**
 * Content-Security-Policy of the page: its own inline script and style, requests to this server
 * only, no images or frames from anywhere (a second line of defence: document text is inserted as
 * text, never as HTML).
 */
export const PAGE_CSP =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function sendSearchPage(res: ServerResponse): void {
  const html = searchPageHtml();
  res.writeHead(200, {
    "content-type": "text/html; charset=utf-8",
    "content-length": Buffer.byteLength(html),
    "content-security-policy": PAGE_CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-cache",
  });
  res.end(html);
}
