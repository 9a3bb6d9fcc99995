import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Document } from "../../../src/data/types.js";
import { buildBm25IndexSync, openBm25Index } from "../../../src/retrieval/bm25/index.js";
import { buildBm25IndexResumable } from "../../../src/retrieval/bm25/resumable-build.js";
import { mergeBm25Indexes } from "../../../src/retrieval/bm25/merge.js";

const WORDS = ["flow", "layer", "boundary", "heat", "shock", "wave", "plate", "mach", "number", "pressure", "the", "of", "an", "x"];
const DOCS: Document[] = Array.from({ length: 53 }, (_, i) => ({
  id: `d${i}`,
  text: Array.from({ length: (i * 7) % 23 }, (_, j) => WORDS[(i * 31 + j * j * 17) % WORDS.length]).join(" "),
}));

function sameArrays(a: ReturnType<typeof buildBm25IndexSync>, b: ReturnType<typeof buildBm25IndexSync>): void {
  for (const key of Object.keys(a.arrays) as (keyof typeof a.arrays)[]) assert.deepEqual([...b.arrays[key]], [...a.arrays[key]], key);
  const { created: _a, sections: _sa, ...ha } = a.header as typeof a.header & { sections?: unknown };
  const { created: _b, sections: _sb, ...hb } = b.header as typeof b.header & { sections?: unknown };
  assert.deepEqual(hb, ha);
}

test("merging segments gives exactly the one-shot index", () => {
  const whole = buildBm25IndexSync(DOCS, { quiet: true });
  const parts = [DOCS.slice(0, 10), DOCS.slice(10, 11), DOCS.slice(11, 40), DOCS.slice(40)].map((d) => buildBm25IndexSync(d, { quiet: true }));
  sameArrays(whole, mergeBm25Indexes(parts));
  assert.throws(() => mergeBm25Indexes([parts[0]!, parts[0]!]), /duplicate document id/);
  assert.throws(() => mergeBm25Indexes([parts[0]!, buildBm25IndexSync(DOCS.slice(10, 11), { quiet: true, k1: 1.2 })]), /different settings/);
});

test("a build killed midway resumes from its segments and ends identical to a one-shot build", async () => {
  const dir = mkdtempSync(join(tmpdir(), "t1-bm25-resume-"));
  try {
    const out = join(dir, "idx.bm25");
    let pulled = 0;
    function* crashing(): Generator<Document> {
      for (const d of DOCS) {
        if (pulled === 30) throw new Error("simulated kill");
        pulled++;
        yield d;
      }
    }
    await assert.rejects(buildBm25IndexResumable(crashing(), out, { segmentDocs: 8, quiet: true, jobKey: "k" }), /simulated kill/);
    const manifest = JSON.parse(readFileSync(join(out + ".parts", "manifest.json"), "utf8")) as { segments: { docs: number }[] };
    assert.deepEqual(manifest.segments.map((s) => s.docs), [8, 8, 8]); // the 6 documents after the last segment are redone
    const analyzed: string[] = [];
    function* counting(): Generator<Document> {
      for (const d of DOCS) {
        analyzed.push(d.id);
        yield d;
      }
    }
    const resumed = await buildBm25IndexResumable(counting(), out, { segmentDocs: 8, quiet: true, jobKey: "k" });
    sameArrays(buildBm25IndexSync(DOCS, { quiet: true }), resumed);
    sameArrays(resumed, openBm25Index(out));
    assert.ok(!existsSync(out + ".parts"), "work folder removed after the merge");
    // Another job key discards the old segments instead of mixing corpora.
    await assert.rejects(buildBm25IndexResumable(crashing(), out, { segmentDocs: 8, quiet: true, jobKey: "k" }), /simulated kill/);
    const other = await buildBm25IndexResumable(DOCS.slice(0, 5), out, { segmentDocs: 8, quiet: true, jobKey: "other" });
    assert.equal(other.numDocs, 5);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
