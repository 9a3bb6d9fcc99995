import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../../src/util/paths.js";
import { runInProcess } from "./in-process.js";

test("t1 --help lists every command; each command's --help shows its options", async () => {
  const top = await runInProcess(["--help"]);
  assert.equal(top.code, 0);
  const names = top.stdout.split("\n").filter((l) => /^ {2}\S/.test(l)).map((l) => l.trim().split(/\s{2,}/)[0]!);
  for (const required of ["evaluate", "bm25", "bm25 index", "bm25 search", "generate", "embed", "convert", "index", "search", "run", "serve", "start", "testbed make"]) {
    assert.ok(names.includes(required), `t1 --help lists ${required}`);
  }
  for (const name of names) {
    const r = await runInProcess([...name.split(" "), "--help"]);
    assert.equal(r.code, 0, name);
    assert.match(r.stdout, new RegExp(`^Usage: t1 ${name}`), name);
    assert.match(r.stdout, /-h, --help/, name);
    // Every option line keeps its flag apart from its description (two spaces, or the next line).
    for (const line of r.stdout.split("\n").filter((l) => /^ {2,}(-\w, )?--\w/.test(l))) {
      assert.match(line, /^ +(-\w, )?--[\w-]+( \S+)?( {2,}\S.*)?$/, `${name}: ${line}`);
    }
  }
});

test("a command group lists its subcommands; unknown names exit 2", async () => {
  const help = await runInProcess(["bright", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /t1 bright eval/);
  assert.match(help.stdout, /t1 bright export/);
  const bare = await runInProcess(["bright"]);
  assert.equal(bare.code, 2);
  assert.match(bare.stderr, /t1 bright export/);
  const wrong = await runInProcess(["bright", "nope"]);
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /unknown subcommand "bright nope"/);
  const unknown = await runInProcess(["no-such-command"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "no-such-command"/);
});

test("t1 help CMD prints that command's help; -v and --version print the version", async () => {
  const viaHelp = await runInProcess(["help", "index"]);
  const direct = await runInProcess(["index", "--help"]);
  assert.equal(viaHelp.code, 0);
  assert.match(viaHelp.stdout, /^Usage: t1 index /);
  assert.equal(viaHelp.stdout, direct.stdout);
  assert.match((await runInProcess(["help", "bm25", "index"])).stdout, /^Usage: t1 bm25 index /);
  const { version } = JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version: string };
  for (const flag of ["-v", "--version"]) {
    const r = await runInProcess([flag]);
    assert.equal(r.code, 0, flag);
    assert.equal(r.stdout.trim(), version, flag);
  }
});

test("one vocabulary across commands: N for numbers, (default: X), --checkpoint-every, --max-doc-length, enums listed", async () => {
  const top = await runInProcess(["--help"]);
  const names = top.stdout.split("\n").filter((l) => /^ {2}\S/.test(l)).map((l) => l.trim().split(/\s{2,}/)[0]!);
  const helps = new Map<string, string>();
  for (const name of names) helps.set(name, (await runInProcess([...name.split(" "), "--help"])).stdout);
  for (const [name, help] of helps) {
    assert.doesNotMatch(help, /\(default [^:]/, `${name}: defaults are written "(default: X)"`);
    assert.doesNotMatch(help, /NUMBER/, `${name}: number placeholders are N`);
    for (const old of ["--chunk ", "--segment-docs", "--checkpoint ", "--max-length "]) {
      if (name === "train lm" && old === "--max-length ") continue; // training sequence length, not a document cut
      assert.ok(!help.includes(old), `${name}: ${old.trim()} was renamed`);
    }
  }
  const get = (name: string) => helps.get(name) ?? assert.fail(`no help for ${name}`);
  assert.match(get("index"), /--checkpoint-every N\s+Documents between checkpoints/);
  assert.match(get("index"), /--max-doc-length N\s+Tokens kept per document \(default: the model's t1_format\.json, else 512\)/);
  assert.match(get("index"), /--backend native\|llamacpp\|remote/);
  assert.match(get("embed"), /--max-doc-length N\s+Tokens kept per text/);
  assert.doesNotMatch(get("embed"), /--max-tokens/, "embed's input cut is not generate's --max-tokens");
  assert.match(get("generate"), /--max-tokens N\s+Most new tokens generated/);
  assert.match(get("embed"), /--checkpoint-every N/);
  assert.match(get("bm25 index"), /--checkpoint-every N/);
  assert.match(get("train lm"), /--checkpoint-every N/);
  assert.match(get("convert"), /^Usage: t1 convert .*f32\|f16\|bf16\|q8_0\|q4_0/);
  assert.match(get("search"), /--reasoning TEXT\s+With --mode external: the reasoning itself, as text/);
  assert.match(get("search"), /--mode reason\|none\|external/);
  assert.match(get("bright eval"), /--max-doc-length N/);
});
