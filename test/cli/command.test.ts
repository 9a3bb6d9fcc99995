import { test } from "node:test";
import assert from "node:assert/strict";
import { defineCommand, formatCommandHelp, parseCommandArgs } from "../../src/cli/command.js";
import { InputError } from "../../src/util/errors.js";

const cmd = defineCommand({
  name: "demo",
  summary: "demo",
  options: {
    measure: { type: "string", short: "m", description: "a measure", multiple: true, default: "map" },
    cutoff: { type: "number", short: "k", description: "a cutoff", multiple: true },
    tag: { type: "string", description: "a tag" },
    depth: { type: "number", description: "a depth", default: 10 },
  },
  async run() {},
});

test("repeated options accumulate in order; single ones keep the last value; defaults apply when absent", () => {
  const a = parseCommandArgs(cmd, ["-m", "ndcg_cut.10", "--measure", "map", "-m", "P.5,10", "-k", "3", "-k", "7", "--tag", "x", "--tag", "y", "pos"]);
  assert.deepEqual(a.values.measure, ["ndcg_cut.10", "map", "P.5,10"]);
  assert.deepEqual(a.values.cutoff, ["3", "7"]);
  assert.equal(a.values.tag, "y");
  assert.equal(a.values.depth, 10);
  assert.deepEqual(a.positionals, ["pos"]);
  const b = parseCommandArgs(cmd, []);
  assert.deepEqual(b.values.measure, ["map"], "the default of a repeatable option is a one-item list");
  assert.equal(b.values.cutoff, undefined);
});

test("a repeatable number option checks each occurrence and names the option", () => {
  assert.throws(() => parseCommandArgs(cmd, ["-k", "3", "-k", "seven"]), (e: unknown) => e instanceof InputError && /--cutoff expects a number, got "seven"/.test(e.message));
  assert.throws(() => parseCommandArgs(cmd, ["--depth", ""]), (e: unknown) => e instanceof InputError && /--depth expects a number/.test(e.message));
});

test("help marks repeatable options", () => {
  const help = formatCommandHelp(cmd);
  assert.match(help, /-m, --measure VALUE\s+a measure \(repeatable\) \(default: map\)/);
  assert.doesNotMatch(help, /--tag VALUE\s+a tag \(repeatable\)/);
});

test("number options with integer/min/max are checked while parsing, naming the option", () => {
  const c = defineCommand({
    name: "nums",
    summary: "nums",
    options: {
      k: { type: "number", description: "k", integer: true, min: 1 },
      chars: { type: "number", description: "chars", integer: true, min: 0 },
      alpha: { type: "number", description: "alpha", min: 0, max: 1 },
      port: { type: "number", description: "port", integer: true, min: 0, max: 65535 },
    },
    async run() {},
  });
  assert.deepEqual(parseCommandArgs(c, ["--k", "3", "--chars", "0", "--alpha", "0.25", "--port", "65535"]).values, { k: 3, chars: 0, alpha: 0.25, port: 65535 });
  const bad = (args: string[], re: RegExp) => assert.throws(() => parseCommandArgs(c, args), (e: unknown) => e instanceof InputError && re.test(e.message));
  bad(["--k", "0"], /t1 nums: --k must be >= 1, got 0/);
  bad(["--k", "1.5"], /--k expects a positive integer, got "1.5"/);
  bad(["--chars=-2"], /--chars must be >= 0, got -2/);
  bad(["--alpha", "1.5"], /--alpha must be between 0 and 1, got 1.5/);
  bad(["--port", "70000"], /--port must be between 0 and 65535/);
  bad(["--k", "-3"], /t1 nums: --k must be >= 1, got -3/);
  bad(["--chars", "-2"], /--chars must be >= 0, got -2/);
  bad(["--port", "80.5"], /--port expects a non-negative integer, got "80.5"/);
});

test("a number option takes a negative value after a space; a negative-looking positional after a string option is unchanged", () => {
  const c = defineCommand({
    name: "neg",
    summary: "neg",
    options: { offset: { type: "number", short: "o", description: "o" }, name: { type: "string", description: "n" } },
    async run() {},
  });
  assert.equal(parseCommandArgs(c, ["--offset", "-3"]).values.offset, -3);
  assert.equal(parseCommandArgs(c, ["-o", "-.5"]).values.offset, -0.5);
  assert.deepEqual(parseCommandArgs(c, ["--", "-3"]).positionals, ["-3"]);
});

test("run's values are typed from the option specs, so a misspelt option name does not compile", async () => {
  let seen: unknown;
  const c = defineCommand({
    name: "typed",
    summary: "typed",
    options: {
      out: { type: "string", description: "o", required: true },
      k: { type: "number", description: "k", default: 10 },
      tag: { type: "string", description: "t" },
      mode: { type: "string", choices: ["a", "b"], description: "m", default: "a" },
      quiet: { type: "boolean", description: "q" },
      files: { type: "string", description: "f", multiple: true },
    },
    async run(values) {
      // Each assignment fails to compile if the option's inferred type drifts.
      const out: string = values.out;
      const k: number = values.k;
      const tag: string | undefined = values.tag;
      const mode: "a" | "b" = values.mode;
      const quiet: boolean = values.quiet;
      const files: string[] | undefined = values.files;
      // @ts-expect-error "ouT" is not an option of this command
      void values.ouT;
      // @ts-expect-error an optional option without a default may be undefined
      const tagged: string = values.tag;
      seen = { out, k, tag, mode, quiet, files, tagged };
    },
  });
  const { values, positionals } = parseCommandArgs(c, ["--out", "x", "--mode", "b"]);
  await c.run(values, positionals);
  assert.deepEqual(seen, { out: "x", k: 10, tag: undefined, mode: "b", quiet: false, files: undefined, tagged: undefined });
});
