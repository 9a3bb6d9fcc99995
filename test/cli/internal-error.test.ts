import { test } from "node:test";
import assert from "node:assert/strict";
import { reportError } from "../../src/cli/main.js";
import { InputError } from "../../src/util/errors.js";

test("an error that is not a T1Error is one line naming it, exit 1, its stack only with T1_DEBUG", () => {
  const saved = process.env.T1_DEBUG;
  delete process.env.T1_DEBUG;
  try {
    const lines: string[] = [];
    // The error t1 convert printed as a raw stack trace on a real Qwen3 vocabulary.
    const code = reportError(new RangeError("Maximum call stack size exceeded"), (l) => lines.push(l));
    assert.equal(code, 1);
    assert.deepEqual(lines, ["t1: internal error (RangeError): Maximum call stack size exceeded (set T1_DEBUG=1 for the stack trace)"]);
    process.env.T1_DEBUG = "1";
    const debug: string[] = [];
    reportError(new RangeError("boom"), (l) => debug.push(l));
    assert.match(debug[0]!, /^t1: internal error \(RangeError\): boom\nRangeError: boom\n\s+at /);
    const bad: string[] = [];
    assert.equal(reportError(new InputError("expected a number", { file: "x.json", line: 3 }), (l) => bad.push(l)), 2);
    assert.deepEqual(bad, ["t1: error [BAD_INPUT]: x.json:3: expected a number"]);
  } finally {
    if (saved === undefined) delete process.env.T1_DEBUG;
    else process.env.T1_DEBUG = saved;
  }
});
