import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { existsSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { downloadHubFiles, downloadUrl } from "../../src/data/hub.js";
import { downloadBrightDataset } from "../../src/data/bright-download.js";
import { readBrightDownloadRecord } from "../../src/data/bright-revision.js";
import { T1Error } from "../../src/util/errors.js";

/** A loopback stand-in for the Hub: resolve URLs with Range support and sha256 ETags, a tree API, and faults on demand. */
interface Served {
  body: Buffer;
  etag?: string;
  /** Answer with a 302 carrying X-Linked-Etag (as the Hub does for LFS files) to this CDN path. */
  redirectTo?: string;
  linkedEtag?: string;
}
function hub(files: Record<string, Served>, opts: { cutFirstResponseAt?: number } = {}) {
  const log: { url: string; range?: string; auth?: string }[] = [];
  let cutsLeft = opts.cutFirstResponseAt !== undefined ? 1 : 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = decodeURIComponent(req.url ?? "");
    log.push({ url, range: req.headers.range, auth: req.headers.authorization });
    const tree = /^\/api\/datasets\/([^/]+\/[^/]+)\/tree\/main\/(.+)$/.exec(url);
    if (tree) {
      const prefix = `/datasets/${tree[1]}/resolve/main/${tree[2]}/`;
      const list = Object.keys(files).filter((k) => k.startsWith(prefix)).map((k) => ({ type: "file", path: k.slice(prefix.length - tree[2]!.length - 1) }));
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(list));
      return;
    }
    const f = files[url];
    if (!f) return void res.writeHead(404).end("Entry not found");
    if (f.redirectTo) return void res.writeHead(302, { location: f.redirectTo, "x-linked-etag": `"${f.linkedEtag}"` }).end();
    const etag = f.etag ?? createHash("sha256").update(f.body).digest("hex");
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    if (m) start = Number(m[1]);
    if (start > f.body.length) return void res.writeHead(416).end();
    const chunk = f.body.subarray(start);
    res.writeHead(m ? 206 : 200, { "content-length": chunk.length, etag: `"${etag}"`, ...(m ? { "content-range": `bytes ${start}-${f.body.length - 1}/${f.body.length}` } : {}) });
    if (cutsLeft > 0) {
      cutsLeft--;
      // The connection closes mid-body (cleanly, so the bytes sent do arrive).
      res.write(chunk.subarray(0, opts.cutFirstResponseAt), () => res.socket?.end());
      return;
    }
    res.end(chunk);
  });
  return new Promise<{ endpoint: string; log: typeof log; close: () => Promise<void> }>((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({ endpoint: `http://127.0.0.1:${port}`, log, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

const payload = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7919) % 251));

test("model files: download, token sent, existing files skipped", async () => {
  const h = await hub({ "/org/tiny/resolve/main/config.json": { body: Buffer.from('{"a":1}') }, "/org/tiny/resolve/main/sub/w.bin": { body: payload } });
  try {
    const dir = mkdtempSync(join(tmpdir(), "t1-hub-"));
    const paths = await downloadHubFiles({ repo: "org/tiny", repoType: "model", files: ["config.json", "sub/w.bin"], dir, endpoint: h.endpoint, token: "secret", quiet: true });
    assert.deepEqual(paths, [join(dir, "config.json"), join(dir, "sub/w.bin")]);
    assert.deepEqual(readFileSync(paths[1]!), payload);
    assert.equal(h.log[0]!.auth, "Bearer secret");
    assert.ok(!existsSync(paths[1]! + ".part"));
    const before = h.log.length;
    await downloadHubFiles({ repo: "org/tiny", repoType: "model", files: ["sub/w.bin"], dir, endpoint: h.endpoint, quiet: true });
    assert.equal(h.log.length, before, "no request for a file already there");
  } finally {
    await h.close();
  }
});

test("a partial .part is resumed with a Range request; a dropped connection resumes too", async () => {
  const h = await hub({ "/datasets/o/d/resolve/main/x.bin": { body: payload } }, { cutFirstResponseAt: 50_000 });
  try {
    const dir = mkdtempSync(join(tmpdir(), "t1-hub-"));
    const dest = join(dir, "x.bin");
    writeFileSync(dest + ".part", payload.subarray(0, 30_000)); // left by a killed run
    await downloadUrl(`${h.endpoint}/datasets/o/d/resolve/main/x.bin`, dest, { quiet: true });
    assert.deepEqual(readFileSync(dest), payload);
    assert.equal(h.log[0]!.range, "bytes=30000-");
    assert.equal(h.log[1]!.range, "bytes=80000-", "second attempt continues after the 50,000 bytes that arrived");
    assert.equal(h.log.length, 2);
  } finally {
    await h.close();
  }
});

test("404 is NOT_FOUND naming the URL; a checksum mismatch is refused and the partial removed", async () => {
  const h = await hub({ "/o/m/resolve/main/bad.bin": { body: payload, etag: "0".repeat(64) } });
  try {
    const dir = mkdtempSync(join(tmpdir(), "t1-hub-"));
    await assert.rejects(downloadHubFiles({ repo: "o/m", repoType: "model", files: ["missing.bin"], dir, endpoint: h.endpoint, quiet: true }), (e: unknown) => e instanceof T1Error && e.code === "NOT_FOUND" && /missing\.bin: 404/.test(e.message));
    await assert.rejects(downloadHubFiles({ repo: "o/m", repoType: "model", files: ["bad.bin"], dir, endpoint: h.endpoint, quiet: true }), /sha256 checksum mismatch/);
    assert.ok(!existsSync(join(dir, "bad.bin")) && !existsSync(join(dir, "bad.bin.part")));
    await assert.rejects(downloadHubFiles({ repo: "o/m", repoType: "model", files: ["../etc/passwd"], dir, endpoint: h.endpoint }), /relative without/);
  } finally {
    await h.close();
  }
});

test("LFS redirect: the sha256 announced on the 302 is checked, not the CDN's ETag; no token to the CDN", async () => {
  const sha = createHash("sha256").update(payload).digest("hex");
  const cdn = await hub({
    "/cdn/blob1": { body: payload, etag: "d41d8cd98f00b204e9800998ecf8427e" },
    "/cdn/blob2": { body: Buffer.concat([payload.subarray(1), Buffer.from([0])]), etag: "d41d8cd98f00b204e9800998ecf8427e" },
  });
  const h = await hub({
    "/o/m/resolve/main/model.safetensors": { body: Buffer.alloc(0), redirectTo: `${cdn.endpoint}/cdn/blob1`, linkedEtag: sha },
    "/o/m/resolve/main/tampered.bin": { body: Buffer.alloc(0), redirectTo: `${cdn.endpoint}/cdn/blob2`, linkedEtag: sha },
  });
  try {
    const dir = mkdtempSync(join(tmpdir(), "t1-hub-"));
    const [p] = await downloadHubFiles({ repo: "o/m", repoType: "model", files: ["model.safetensors"], dir, endpoint: h.endpoint, token: "tok", quiet: true });
    assert.deepEqual(readFileSync(p!), payload);
    assert.equal(h.log[0]!.auth, "Bearer tok");
    assert.deepEqual(cdn.log.map((l) => [l.url, l.auth]), [["/cdn/blob1", undefined]], "the token stays with the Hub's origin");
    await assert.rejects(downloadHubFiles({ repo: "o/m", repoType: "model", files: ["tampered.bin"], dir, endpoint: h.endpoint, quiet: true }), new RegExp(`sha256 checksum mismatch \\(server says ${sha}`));
  } finally {
    await h.close();
    await cdn.close();
  }
});

test("downloadBrightDataset lists shards through the tree API and keeps the Hub layout", async () => {
  const base = "/datasets/xlangai/BRIGHT/resolve/main";
  const h = await hub({
    [`${base}/examples/pony-00000-of-00001.parquet`]: { body: Buffer.from("ex") },
    [`${base}/documents/pony-00000-of-00002.parquet`]: { body: Buffer.from("d0") },
    [`${base}/documents/pony-00001-of-00002.parquet`]: { body: Buffer.from("d1") },
    [`${base}/documents/leetcode-00000-of-00001.parquet`]: { body: Buffer.from("other") },
  });
  try {
    const dir = mkdtempSync(join(tmpdir(), "t1-bright-dl-"));
    mkdirSync(dir, { recursive: true });
    const paths = await downloadBrightDataset({ domains: ["pony"], configs: ["examples", "documents", "long_documents"], dir, endpoint: h.endpoint, quiet: true }).catch((e) => e);
    // long_documents exists for pony but this fake hub has none: a clear NOT_FOUND.
    assert.ok(paths instanceof T1Error && /long_documents" has no file for domain "pony"/.test(paths.message), String(paths));
    const ok = await downloadBrightDataset({ domains: ["pony"], configs: ["examples", "documents"], dir, endpoint: h.endpoint, quiet: true });
    assert.deepEqual(ok.map((p) => p.slice(dir.length + 1)), ["examples/pony-00000-of-00001.parquet", "documents/pony-00000-of-00002.parquet", "documents/pony-00001-of-00002.parquet"]);
    assert.equal(readFileSync(join(dir, "documents/pony-00001-of-00002.parquet"), "utf8"), "d1");
    // The revision fetched is recorded for t1 bright eval's results.json.
    assert.deepEqual({ ...readBrightDownloadRecord(dir)!, downloadedAt: "" }, { repo: "xlangai/BRIGHT", revision: "main", endpoint: h.endpoint, downloadedAt: "" });
  } finally {
    await h.close();
  }
});
