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
  assert.equal(table.length, BRIGHT_ANCHORS.length);
  BRIGHT_ANCHORS.forEach((a, i) => {
    const [system, query, ...numbers] = table[i]!;
    assert.equal(system, a.system);
    assert.equal(query, a.query);
    assert.deepEqual(numbers.map(Number), [...BRIGHT_DOMAINS.map((d) => a.scores[d]), a.average], a.system);
  });
});
