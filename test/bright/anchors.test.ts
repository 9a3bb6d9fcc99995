import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { BRIGHT_ANCHORS } from "../../src/bright/anchors.js";
import { BRIGHT_DOMAINS } from "../../src/data/bright-domains.js";

const methodDoc = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "docs", "METHOD.md");

test("the anchors the BRIGHT report prints are docs/METHOD.md §5's table, row for row", () => {
  const section = readFileSync(methodDoc, "utf8").split("## 5. Anchors")[1]!.split("\n## ")[0]!;
  const rows = section.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| system") && !l.startsWith("|---"));
  const table = rows.map((l) => l.split("|").slice(1, -1).map((c) => c.trim()));
  // Rows published with the average only are not in METHOD.md's per-domain table.
  const perDomain = BRIGHT_ANCHORS.filter((a) => a.scores !== undefined);
  assert.equal(table.length, perDomain.length);
  perDomain.forEach((a, i) => {
    const [system, query, ...numbers] = table[i]!;
    assert.equal(system, a.system);
    assert.equal(query, a.query);
    assert.deepEqual(numbers.map(Number), [...BRIGHT_DOMAINS.map((d) => a.scores![d]), a.average], a.system);
  });
});

test("every anchor names its source and kind; the rows the issue asked for are there", () => {
  for (const a of BRIGHT_ANCHORS) {
    assert.ok(a.source.length > 0, a.key);
    assert.ok(a.kind === "single model" || a.kind === "pipeline", a.key);
    if (a.scores) assert.ok(Math.abs(BRIGHT_DOMAINS.reduce((s, d) => s + a.scores![d], 0) / 12 - a.average) < 0.06, `${a.key}: the average is the mean of its domains`);
  }
  const want: [string, number, string][] = [
    ["ReasonEmbed-Qwen3-8B", 38.1, "single model"], ["BGE-Reasoner-Embed-8B", 37.1, "single model"], ["Seed1.5-Embedding", 27.2, "single model"],
    ["RaDeR-7B", 25.5, "single model"], ["INF-X-Retriever", 63.4, "pipeline"], ["MQR-A1 rewriter + MRE-T1", 66.9, "pipeline"],
  ];
  for (const [system, avg, kind] of want) {
    const a = BRIGHT_ANCHORS.find((x) => x.system === system);
    assert.ok(a, system);
    assert.equal(a.average, avg);
    assert.equal(a.kind, kind);
  }
});
