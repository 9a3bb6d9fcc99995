/** readTestbed accepts any directory in the contract format and names file:line (field) for what is wrong. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeTestbed, readTestbed, writeTestbed } from "../../src/data/testbed/index.js";
import { scratch } from "../helpers/scratch.js";

const base = scratch(mkdtempSync(join(tmpdir(), "t1-testbed-read-")));
writeTestbed(makeTestbed(2, "tiny"), join(base, "ok"));

/** A copy of the good directory with `edit` applied to one file's text. */
function broken(name: string, file: string, edit: (text: string) => string): string {
  const dir = join(base, name);
  cpSync(join(base, "ok"), dir, { recursive: true });
  writeFileSync(join(dir, file), edit(readFileSync(join(dir, file), "utf8")));
  return dir;
}
const editLine = (n: number, f: (o: Record<string, unknown>) => unknown) => (text: string): string =>
  text.split("\n").map((l, i) => (i === n - 1 ? JSON.stringify(f(JSON.parse(l))) : l)).join("\n");

test("a directory with only the required fields, written by hand, reads; extras are optional", () => {
  const dir = join(base, "minimal");
  cpSync(join(base, "ok"), dir, { recursive: true });
  for (const f of ["train.jsonl", "dev.jsonl", "test.jsonl"]) {
    const lines = readFileSync(join(dir, f), "utf8").trim().split("\n").map((l) => {
      const { id, query, positives, negatives, reasoning, family } = JSON.parse(l);
      return JSON.stringify({ family, reasoning, negatives, positives, query, id });
    });
    writeFileSync(join(dir, f), lines.join("\n") + "\n");
  }
  rmSync(join(dir, "testbed.json"));
  rmSync(join(dir, "README.md"));
  const tb = readTestbed(dir);
  const full = readTestbed(join(base, "ok"));
  assert.equal(tb.test.length, full.test.length);
  assert.equal(tb.test[0]!.answer, undefined);
  assert.ok(full.test[0]!.answer);
  assert.deepEqual(tb.test.map((q) => q.query), full.test.map((q) => q.query));
  assert.equal(tb.instruction, readFileSync(join(dir, "instruction.txt"), "utf8").trim());
});

test("bad files are one InputError naming file:line and field", () => {
  const cases: [string, string, (t: string) => string, RegExp][] = [
    ["no-reasoning", "train.jsonl", editLine(3, (o) => ({ ...o, reasoning: undefined })), /train\.jsonl:3: missing required field "reasoning" \(field "reasoning"\)/],
    ["pos-not-array", "dev.jsonl", editLine(2, (o) => ({ ...o, positives: "D0001" })), /dev\.jsonl:2: expected an array of document ids, got string \(field "positives"\)/],
    ["unknown-doc", "test.jsonl", editLine(5, (o) => ({ ...o, negatives: ["nope"] })), /test\.jsonl:5: document id "nope" is not in corpus\.jsonl \(field "negatives"\)/],
    ["no-positives", "test.jsonl", editLine(1, (o) => ({ ...o, positives: [] })), /test\.jsonl:1: expected at least one document id \(field "positives"\)/],
    ["bad-json", "corpus.jsonl", (t) => t.replace(/\n/, "\n{oops\n"), /corpus\.jsonl:2: expected one JSON object per line/],
    ["dup-doc", "corpus.jsonl", (t) => t + t.split("\n")[0] + "\n", /corpus\.jsonl:\d+: document id "D0001" appears twice \(first on line 1\)/],
    ["text-number", "pretrain.jsonl", editLine(4, () => ({ text: 7 })), /pretrain\.jsonl:4: expected a string, got number \(field "text"\)/],
    ["dup-query", "dev.jsonl", editLine(1, (o) => ({ ...o, id: "train-0001" })), /dev\.jsonl:1: query id "train-0001" appears twice \(also at .*train\.jsonl:1\)/],
    ["qrels-qid", "qrels.test.txt", (t) => t + "ghost 0 D0001 1\n", /qrels\.test\.txt:\d+: qrels name query "ghost", which is not in the split/],
    ["qrels-fields", "qrels.dev.txt", (t) => t + "dev-0001 0 D0001\n", /qrels\.dev\.txt:\d+: expected `qid 0 docid rel` \(4 fields\)/],
    ["qrels-doc", "qrels.dev.txt", (t) => t.replace(/^(\S+ 0 )\S+/, "$1D9999"), /qrels\.dev\.txt:1: qrels for "dev-0001" name document "D9999", which is not in corpus\.jsonl/],
    ["two-lines", "instruction.txt", (t) => t + "second line\n", /instruction\.txt: expected exactly one non-empty line, got 2/],
  ];
  for (const [name, file, edit, pattern] of cases) {
    const dir = broken(name, file, edit);
    assert.throws(() => readTestbed(dir), (e: Error) => e.name === "InputError" && pattern.test(e.message) && !e.message.includes("\n"), name);
  }
  const missing = join(base, "missing");
  cpSync(join(base, "ok"), missing, { recursive: true });
  rmSync(join(missing, "qrels.test.txt"));
  assert.throws(() => readTestbed(missing), /not a testbed directory \(missing qrels\.test\.txt\)/);
  assert.throws(() => readTestbed(join(base, "nowhere")), /no such testbed directory/);
});
