import { createHash } from "node:crypto";
import { createReadStream, existsSync, fsyncSync, mkdirSync, openSync, closeSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { InputError, T1Error } from "../util/errors.js";
import { Progress } from "../util/progress.js";

/**
 * Downloads from the Hugging Face Hub (or a mirror): `<endpoint>/[datasets/]<repo>/resolve/<rev>/<path>`.
 * Each file goes to `<dest>.part` first; an interrupted download resumes there with an HTTP Range
 * request (also after a kill), is checked against the checksum the server announces (LFS sha256 in
 * X-Linked-Etag / ETag, or the git blob sha1 of small files), and only then renamed into place.
 */
export interface HubOptions {
  /** Hub address. Default: $HF_ENDPOINT, else https://huggingface.co (set it for a mirror or a test server). */
  endpoint?: string;
  /** Access token for gated or private repos. Default: $HF_TOKEN (none when unset). */
  token?: string;
  /** Branch, tag or commit. Default "main". */
  revision?: string;
  /** Attempts per file on network errors and 5xx answers, each resuming where the last stopped. Default 4. */
  retries?: number;
  /** Re-download files that already exist. Default false: an existing file is trusted (fast reruns). */
  force?: boolean;
  /** No progress output. Default false. */
  quiet?: boolean;
}

export interface HubFilesRequest extends HubOptions {
  repo: string;
  repoType: "model" | "dataset";
  /** Paths inside the repo, e.g. "config.json" or "documents/biology-00000-of-00001.parquet". */
  files: string[];
  /** Local folder; each file keeps its repo path below it. */
  dir: string;
}

function endpointOf(o: HubOptions): string {
  return (o.endpoint || process.env.HF_ENDPOINT || "https://huggingface.co").replace(/\/+$/, "");
}

function repoBase(o: HubOptions & { repo: string; repoType: "model" | "dataset" }): string {
  if (!/^[\w.-]+\/[\w.-]+$/.test(o.repo)) throw new InputError(`Hub repo must look like "owner/name", got "${o.repo}"`);
  return `${endpointOf(o)}/${o.repoType === "dataset" ? "datasets/" : ""}${o.repo}`;
}

function headers(o: HubOptions, extra: Record<string, string> = {}): Record<string, string> {
  const token = o.token ?? (process.env.HF_TOKEN || undefined);
  return { "user-agent": "t1", ...(token ? { authorization: `Bearer ${token}` } : {}), ...extra };
}

/**
 * The Hub (or mirror) could not be reached at all: no DNS answer, connection refused, offline.
 * Names the host and the network's own cause, so the CLI can say how to go on without it.
 */
export class HubUnreachableError extends T1Error {
  constructor(
    readonly host: string,
    readonly reason: string,
    attempts: number,
  ) {
    super("REMOTE", `cannot reach ${host} (${reason}) after ${attempts} attempt${attempts === 1 ? "" : "s"}`);
    this.name = "HubUnreachableError";
  }
}

/** The network-level cause of a failed fetch ("ECONNREFUSED", "ENOTFOUND ...") rather than undici's bare "fetch failed". */
function networkCause(e: unknown): string {
  const c = (e as { cause?: { code?: string; message?: string } }).cause;
  if (c?.code && c.message && !c.message.includes(c.code)) return `${c.code}: ${c.message}`;
  return c?.message ?? c?.code ?? (e as Error).message;
}

function httpError(status: number, url: string): T1Error {
  if (status === 404) return new T1Error("NOT_FOUND", `${url}: 404 not found (check the repo, revision and file path)`);
  if (status === 401 || status === 403) return new T1Error("REMOTE", `${url}: ${status} access denied (a gated or private repo needs HF_TOKEN, and the terms accepted on the Hub)`);
  return new T1Error("REMOTE", `${url}: HTTP ${status}`);
}

type Checksum = { kind: "sha256" | "git-sha1"; hex: string };

/** The checksum a response announces: sha256 (64 hex, LFS) or git blob sha1 (40 hex). */
function announcedChecksum(h: Headers): Checksum | undefined {
  const raw = (h.get("x-linked-etag") ?? h.get("etag") ?? "").replace(/^W\//, "").replace(/"/g, "").trim().toLowerCase();
  if (/^[0-9a-f]{64}$/.test(raw)) return { kind: "sha256", hex: raw };
  if (/^[0-9a-f]{40}$/.test(raw)) return { kind: "git-sha1", hex: raw };
  return undefined;
}

async function fileChecksum(path: string, kind: "sha256" | "git-sha1"): Promise<string> {
  const h = createHash(kind === "sha256" ? "sha256" : "sha1");
  if (kind === "git-sha1") h.update(`blob ${statSync(path).size}\0`);
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}

/**
 * GET with redirects followed by hand: the Hub announces an LFS file's sha256 (X-Linked-Etag) on
 * its redirect to the CDN, whose own ETag means something else, so the first announced checksum is
 * kept. The token is not forwarded to another origin.
 */
async function fetchFollowing(url: string, o: HubOptions, extra: Record<string, string>): Promise<Response & { announced?: Checksum }> {
  let current = url;
  let announced: Checksum | undefined;
  const origin = new URL(url).origin;
  for (let hop = 0; hop <= 5; hop++) {
    const h = headers(o, extra);
    if (new URL(current).origin !== origin) delete h.authorization;
    const res = await fetch(current, { headers: h, redirect: "manual" });
    announced ??= announcedChecksum(res.headers);
    const location = res.headers.get("location");
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      current = new URL(location, current).href;
      continue;
    }
    return Object.assign(res, { announced });
  }
  throw new T1Error("REMOTE", `${url}: more than 5 redirects`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Downloads one URL to `dest` resumably and atomically (see HubOptions). Returns dest. */
export async function downloadUrl(url: string, dest: string, o: HubOptions = {}): Promise<string> {
  if (existsSync(dest) && !o.force) return dest;
  const part = `${dest}.part`;
  const attempts = Math.max(1, o.retries ?? 4);
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const have = existsSync(part) ? statSync(part).size : 0;
    let res: Response;
    try {
      res = await fetchFollowing(url, o, have > 0 ? { range: `bytes=${have}-` } : {});
    } catch (e) {
      lastError = e instanceof T1Error ? e : new HubUnreachableError(new URL(url).host, networkCause(e), attempt);
      await sleep(200 * attempt);
      continue;
    }
    if (res.status === 416) {
      // The .part is not a prefix the server recognises (file changed or already complete): start over.
      await res.body?.cancel();
      unlinkSync(part);
      continue;
    }
    if (res.status >= 500) {
      await res.body?.cancel();
      lastError = httpError(res.status, url);
      await sleep(200 * attempt);
      continue;
    }
    if (res.status !== 200 && res.status !== 206) {
      await res.body?.cancel();
      throw httpError(res.status, url);
    }
    const append = res.status === 206 && have > 0;
    const length = Number(res.headers.get("content-length") ?? NaN);
    const total = Number.isFinite(length) ? length + (append ? have : 0) : undefined;
    const progress = new Progress(`download ${dest.split("/").pop()}`, total, { unit: "bytes", quiet: o.quiet });
    if (append) progress.tick(have);
    // Each chunk is written before the next is read, so whatever arrived before a failure is on
    // disk and the next attempt resumes after it.
    // The folder is made only once the server answers with data, so a failed run leaves nothing behind.
    mkdirSync(dirname(dest), { recursive: true });
    const fd = openSync(part, append ? "a" : "w");
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        let off = 0;
        while (off < chunk.length) off += writeSync(fd, chunk, off);
        progress.tick(chunk.length);
      }
    } catch (e) {
      lastError = new T1Error("REMOTE", `${url}: connection lost after ${progress.count} bytes (${(e as Error).message}); will resume`, { cause: e });
      await sleep(200 * attempt);
      continue;
    } finally {
      fsyncSync(fd);
      closeSync(fd);
    }
    progress.finish();
    const size = statSync(part).size;
    if (total !== undefined && size !== total) {
      lastError = new T1Error("REMOTE", `${url}: got ${size} of ${total} bytes; will resume`);
      continue;
    }
    const sum = (res as Response & { announced?: Checksum }).announced;
    if (sum) {
      const got = await fileChecksum(part, sum.kind);
      if (got !== sum.hex) {
        unlinkSync(part);
        throw new T1Error("REMOTE", `${url}: ${sum.kind} checksum mismatch (server says ${sum.hex}, file has ${got}); the partial file was removed`);
      }
    }
    renameSync(part, dest);
    return dest;
  }
  throw lastError instanceof T1Error ? lastError : new T1Error("REMOTE", `${url}: download failed after ${attempts} attempts`, { cause: lastError });
}

/** Downloads repo files (models or datasets) into `dir`, keeping their repo paths. Returns local paths. */
export async function downloadHubFiles(req: HubFilesRequest): Promise<string[]> {
  const base = repoBase(req);
  const rev = encodeURIComponent(req.revision ?? "main");
  const out: string[] = [];
  for (const f of req.files) {
    if (f.split("/").some((p) => p === ".." || p === "") || f.startsWith("/")) throw new InputError(`Hub file path must be relative without "..", got "${f}"`);
    const url = `${base}/resolve/${rev}/${f.split("/").map(encodeURIComponent).join("/")}`;
    out.push(await downloadUrl(url, join(req.dir, f), req));
  }
  return out;
}

/** Lists the files under a folder of a repo through the Hub API (`/api/<type>s/<repo>/tree/<rev>/<folder>`). */
export async function listHubFolder(req: HubOptions & { repo: string; repoType: "model" | "dataset"; folder: string }): Promise<string[]> {
  repoBase(req);
  const url = `${endpointOf(req)}/api/${req.repoType}s/${req.repo}/tree/${encodeURIComponent(req.revision ?? "main")}/${req.folder.split("/").map(encodeURIComponent).join("/")}`;
  let res: Response;
  try {
    res = await fetch(url, { headers: headers(req) });
  } catch (e) {
    throw new HubUnreachableError(new URL(url).host, networkCause(e), 1);
  }
  if (!res.ok) throw httpError(res.status, url);
  const body = (await res.json()) as unknown;
  if (!Array.isArray(body)) throw new T1Error("REMOTE", `${url}: expected a JSON list of files`);
  return body.filter((e): e is { type: string; path: string } => typeof e === "object" && e !== null && (e as { type?: unknown }).type === "file" && typeof (e as { path?: unknown }).path === "string").map((e) => e.path);
}
