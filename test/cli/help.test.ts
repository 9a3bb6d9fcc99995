import { test } from "node:test";
import assert from "node:assert/strict";
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
