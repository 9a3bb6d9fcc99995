/**
 * Every pipeline command refuses bad input with a T1Error the CLI maps to exit code 2, and a message
 * naming the file, line, field or option. The cases run in process through main() (cheap); one is
 * spawned to check the exit code and the one-line message end to end.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../src/util/paths.js";
import { main } from "../../src/cli/main.js";
import { T1Error } from "../../src/util/errors.js";
import { scratch } from "../helpers/scratch.js";


const root = packageRoot();
function t1(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", join(root, "src/cli/main.ts"), ...args], { cwd: root }, (err, _out, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }),
    );
  });
}

test("bad input exits 2 naming where the problem is", async () => {
  const d = scratch(mkdtempSync(join(tmpdir(), "t1-badin-")));
  const f = (name: string, text: string) => {
    writeFileSync(join(d, name), text);
    return join(d, name);
  };
  const badJson = f("bad.jsonl", '{"id":"a","text":"x"}\n{"id":"b" "text":"y"}\n');
  const noText = f("notext.jsonl", '{"id":"a","text":"x"}\n{"id":"b","title":"t"}\n');
  const dupIds = f("dup.jsonl", '{"id":"a","text":"x"}\n{"id":"a","text":"y"}\n');
  const qrels = f("bad.qrels", "q1 0 d1 1\nq1 0 d2\n");
  const okQrels = f("ok.qrels", "q1 0 d1 1\n");
  const run = f("ok.run", "q1 Q0 d1 1 0.5 t\n");
  const cases: [string[], RegExp][] = [
    [["index", "--model", "m", "--corpus", badJson, "--out", join(d, "i")], new RegExp(`${badJson}:2: expected one JSON object per line`)],
    [["index", "--model", "m", "--corpus", noText, "--out", join(d, "i")], new RegExp(`${noText}:2: expected the document text in one of the fields "text"`)],
    [["index", "--model", "m", "--corpus", dupIds, "--out", join(d, "i")], new RegExp(`${dupIds}:2: document id "a" appears twice`)],
    [["index", "--model", "m", "--corpus", noText, "--out", join(d, "i"), "--kind", "ivf"], /t1 index: --kind must be one of flat, hnsw; got "ivf"/],
    [["index", "--model", "m", "--corpus", noText, "--out", join(d, "i"), "--batch-size", "0"], /t1 index: --batch-size must be >= 1, got 0/],
    [["index", "--model", "m", "--corpus", join(d, "absent.jsonl"), "--out", join(d, "i")], /corpus not found: .*absent\.jsonl/],
    [["index", "--corpus", noText, "--out", join(d, "i")], /t1 index: --backend native needs --model/],
    [["run", "--index", join(d, "i"), "--queries", badJson, "--out", join(d, "r")], new RegExp(`${badJson}:2: expected one JSON object per line`)],
    [["run", "--index", join(d, "i"), "--queries", noText, "--out", join(d, "r"), "--k", "-3"], /t1 run: --k must be >= 1, got -3/],
    [["search", join(d, "nowhere"), "q"], /nowhere: not a t1 index \(no manifest\.json\)/],
    [["search", join(d, "nowhere"), "q", "--alpha", "1.5"], /--alpha must be between 0 and 1, got 1\.5/],
    [["search", join(d, "nowhere")], /expected IDX and QUERY, got 1 arguments/],
    [["evaluate", "--qrels", qrels, "--run", run], new RegExp(`${qrels}:2: expected \`qid 0 docid rel\` \\(4 fields\\)`)],
    [["evaluate", "--qrels", okQrels, "--run", run, "-m", "map", "-m", "ndcg@10"], /unknown measure "ndcg@10"/],
    [["evaluate", "--qrels", okQrels, "--run", run, "--mode", "pytrec"], /--mode must be one of trec_eval, pytrec_eval; got "pytrec"/],
    [["serve", "--model", "m", "--port", "70000"], /--port must be between 0 and 65535, got 70000/],
    [["serve", "--model", "m", "--backend", "remote"], /t1 serve: --backend must be one of native, llamacpp; got "remote"/],
    [["index", "--bogus"], /t1 index: Unknown option '--bogus'/],
  ];
  for (const [args, re] of cases) {
    await assert.rejects(main(args), (e: unknown) => {
      assert.ok(e instanceof T1Error, `t1 ${args.join(" ")}: ${String(e)}`);
      assert.ok(e.code === "BAD_INPUT" || e.code === "NOT_FOUND", `t1 ${args.join(" ")}: code ${e.code} (exit 2 needs BAD_INPUT or NOT_FOUND)`);
      assert.match(e.message, re, `t1 ${args.join(" ")}`);
      return true;
    });
  }
  const spawned = await t1(cases[0]![0]);
  assert.equal(spawned.code, 2, spawned.stderr);
  assert.match(spawned.stderr, /^t1: error \[BAD_INPUT\]: .*bad\.jsonl:2: expected one JSON object per line.*\n$/, "one clear line, no stack trace");
});
