// The source layers (.dependency-cruiser.cjs) hold: no file imports from a layer above its own, and
// no import cycle. A second test runs the same rules on a small made-up tree to show they do fail.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const config = join(root, ".dependency-cruiser.cjs");
const depcruise = join(root, "node_modules", "dependency-cruiser", "bin", "dependency-cruise.mjs");

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
  cycle?: { name: string }[];
}

/** Runs dependency-cruiser on `cwd`/src with the project's rules; one line per violation naming both files. */
function layerViolations(cwd: string): string[] {
  const r = spawnSync(process.execPath, [depcruise, "src", "--config", config, "--output-type", "json"], { cwd, encoding: "utf8", maxBuffer: 64 << 20 });
  assert.ok(r.stdout.trim().startsWith("{"), `dependency-cruiser failed (exit ${r.status}): ${r.stderr || r.stdout}`);
  const violations = (JSON.parse(r.stdout) as { summary: { violations: Violation[] } }).summary.violations;
  return violations.map((v) =>
    v.cycle ? `${v.rule.name}: ${[v.from, ...v.cycle.map((c) => c.name)].join(" → ")}` : `${v.rule.name}: ${v.from} imports ${v.to}`,
  );
}

test("src imports only from its own layer or below, without cycles (.dependency-cruiser.cjs)", () => {
  const found = layerViolations(root);
  assert.deepEqual(found, [], `upward imports or cycles in src (layers in .dependency-cruiser.cjs, docs/CONTRIBUTING.md):\n${found.join("\n")}`);
});

test("the layer rules report an upward import and a cycle, naming both files", () => {
  const dir = mkdtempSync(join(tmpdir(), "t1-layers-"));
  try {
    const file = (path: string, text: string) => {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    };
    file("tsconfig.json", JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", strict: true } }));
    file("src/data/reader.ts", 'import { score } from "../eval/score.js";\nexport const read = () => score();\n');
    file("src/eval/score.ts", "export const score = () => 1;\n");
    file("src/train/a.ts", 'import { b } from "./b.js";\nexport const a = () => b;\n');
    file("src/train/b.ts", 'import { a } from "./a.js";\nexport const b = () => a;\n');
    file("src/eval/ok.ts", 'import { read } from "../data/reader.js";\nexport const ok = read;\n');
    const found = layerViolations(dir);
    assert.ok(found.includes("layer-data: src/data/reader.ts imports src/eval/score.ts"), found.join("\n"));
    assert.ok(found.some((l) => l.startsWith("no-circular: src/train/a.ts → src/train/b.ts")), found.join("\n"));
    assert.ok(!found.some((l) => l.includes("src/eval/ok.ts")), "a downward import is allowed");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
