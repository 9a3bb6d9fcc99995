// Stage 1 learns a tiny retrieval task; stage 2's cross-entropy covers exactly the reasoning tokens.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTinyModel } from "../../../src/engine/tiny-model.js";
import { getKernels } from "../../../src/engine/kernels/index.js";
import { readTrainModelConfig } from "../../../src/train/model-config.js";
import { TrainModel } from "../../../src/train/train-model.js";
import { train } from "../../../src/train/trainer.js";
import { objectiveLoss } from "../../../src/train/objectives.js";
import { TrainRng } from "../../../src/train/rng.js";
import { contrastiveData } from "../../../src/train/stages/contrastive-data.js";
import { readContrastiveRows, readGrpoRows, readCandidatePool, type ContrastiveRow } from "../../../src/train/stages/data.js";
import { loadTokenizer, t1Formats } from "../../../src/train/stages/formats.js";
import { InputError } from "../../../src/util/errors.js";

const TOPICS = ["apple", "river", "engine", "violin", "planet", "castle", "desert", "garden", "winter", "copper", "falcon", "bridge"];
const rows: ContrastiveRow[] = TOPICS.map((t, i) => ({
  query: `tell me about ${t}`,
  positives: [`${t}: a passage about ${t}`],
  negatives: [`${TOPICS[(i + 1) % TOPICS.length]}: a passage about ${TOPICS[(i + 1) % TOPICS.length]}`],
  reasoning: `The user asks about ${t}, so look for ${t}.`,
}));

function tiny(root: string) {
  const dir = join(root, "model");
  createTinyModel(dir, { arch: "qwen3", seed: 3, hiddenSize: 32, layers: 2, heads: 4, kvHeads: 2, headDim: 8, intermediateSize: 64 });
  return dir;
}

test("stage 1 InfoNCE: loss falls and the positive is ranked first more often", { timeout: 60_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), "t1-stage1-"));
  const k = getKernels();
  try {
    const dir = tiny(root);
    const f = t1Formats(loadTokenizer(dir), { instruction: "Given a topic, retrieve its passage" });
    const model = await TrainModel.load(k, readTrainModelConfig(join(dir, "config.json")), dir);
    const evalData = contrastiveData(rows, f, false, { negativesPerQuery: 0 });
    const measure = () => {
      const { batch, objective } = evalData.batch(Int32Array.from(rows.keys()), new TrainRng(0));
      const r = objectiveLoss(model, batch, objective);
      const D = objective.contrastive!.docRows.length;
      let hits = 0;
      rows.forEach((_, q) => {
        const row = r.cosine!.subarray(q * D, q * D + D);
        if (row.indexOf(Math.max(...row)) === objective.contrastive!.positive[q]) hits++;
      });
      return { loss: r.infoNce!, accuracy: hits / rows.length };
    };
    const before = measure();
    const res = await train(model, contrastiveData(rows, f, false, { negativesPerQuery: 1 }), {
      outDir: join(root, "run"), totalSteps: 40, microBatchSize: 6, lr: 3e-3, seed: 1, checkpointEvery: 40, quiet: true, tokenizerDir: dir,
    });
    const after = measure();
    console.log(`stage 1: full-set InfoNCE ${before.loss.toFixed(3)} -> ${after.loss.toFixed(3)}, top-1 accuracy ${before.accuracy.toFixed(2)} -> ${after.accuracy.toFixed(2)}`);
    assert.ok(after.loss < 0.5 * before.loss, `loss ${before.loss} -> ${after.loss}`);
    assert.ok(after.accuracy >= before.accuracy + 0.25 && after.accuracy >= 0.75, `accuracy ${before.accuracy} -> ${after.accuracy}`);
    assert.ok(res.logs.every((l) => l.infoNce !== undefined && l.lm === undefined));
  } finally {
    k.dispose();
    rmSync(root, { recursive: true, force: true });
  }
});

test("stage 2: cross-entropy weights exactly the teacher reasoning tokens after the chat-template prompt", async () => {
  const root = mkdtempSync(join(tmpdir(), "t1-stage2-"));
  try {
    const dir = tiny(root);
    const tok = loadTokenizer(dir);
    const f = t1Formats(tok, { instruction: "Given a topic, retrieve its passage" });
    const data = contrastiveData(rows, f, true, { negativesPerQuery: 1, lambda: 0.5, learnStop: false });
    const idx = Int32Array.from([2, 5, 7]);
    const { batch, objective } = data.batch(idx, new TrainRng(9));
    const { T } = batch;
    const lm = objective.lm!;
    assert.equal(objective.contrastive!.scale, 0.5);
    idx.forEach((i, b) => {
      const prompt = tok.encodeChat([{ role: "user", content: `Given a topic, retrieve its passage\n${rows[i].query}` }]);
      const reasoning = tok.encode(rows[i].reasoning!, { addSpecialTokens: false });
      const ids = Array.from(batch.ids.subarray(b * T, b * T + T));
      assert.deepEqual(ids.slice(0, prompt.length), prompt, "the query starts with the chat template output");
      assert.deepEqual(ids.slice(prompt.length, prompt.length + reasoning.length), reasoning);
      assert.equal(ids[prompt.length + reasoning.length], f.embId, "<emb_token> right after the reasoning");
      assert.equal(objective.contrastive!.embPositions[b], prompt.length + reasoning.length);
      const weighted = [...Array(T).keys()].filter((t) => lm.weight[b * T + t] === 1);
      // positions prompt.length-1 … prompt.length+|r|-2 predict the reasoning tokens, nothing else counts
      assert.deepEqual(weighted, reasoning.map((_, j) => prompt.length - 1 + j));
      assert.deepEqual(weighted.map((t) => lm.targets[b * T + t]), reasoning);
    });
    for (let b = idx.length; b < batch.B; b++) for (let t = 0; t < T; t++) assert.equal(lm.weight[b * T + t], 0, "documents carry no CE");

    // learnStop (the default): the last reasoning position also predicts <|im_end|> (the sequence goes on with <emb_token>).
    const stop = tok.tokenId("<|im_end|>")!;
    const withStop = contrastiveData(rows, f, true, { negativesPerQuery: 1 }).batch(idx, new TrainRng(9));
    assert.deepEqual(contrastiveData(rows, f, true, { negativesPerQuery: 1, stopId: stop }).batch(idx, new TrainRng(9)).objective.lm, withStop.objective.lm, "stopId = <|im_end|> is the default");
    const lm2 = withStop.objective.lm!;
    idx.forEach((_, b) => {
      const end = withStop.objective.contrastive!.embPositions[b]; // = prompt + reasoning length
      const w1 = [...Array(T).keys()].filter((t) => lm.weight[b * T + t] === 1);
      const w2 = [...Array(T).keys()].filter((t) => lm2.weight[b * T + t] === 1);
      assert.deepEqual(w2, [...w1, end - 1]);
      assert.equal(lm2.targets[b * T + end - 1], stop);
      assert.equal(withStop.batch.ids[b * T + end], f.embId);
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("stages 1-2: an undrawn positive that is another row's document leaves the query's denominator", () => {
  const root = mkdtempSync(join(tmpdir(), "t1-multipos-"));
  try {
    const f = t1Formats(loadTokenizer(tiny(root)));
    const multi: ContrastiveRow[] = [
      { query: "fruit", positives: ["apple text", "pear text"], negatives: [] },
      { query: "pears", positives: ["pear text"], negatives: [] },
      { query: "other", positives: ["rock text"], negatives: ["apple text"] },
    ];
    for (const withReasoning of [false, true]) {
      const rowsR = multi.map((r) => ({ ...r, reasoning: "because" }));
      const data = contrastiveData(withReasoning ? rowsR : multi, f, withReasoning, { negativesPerQuery: 1 });
      const drawnTexts = new Set<number>();
      for (let seed = 0; seed < 8; seed++) {
        const c = data.batch(Int32Array.of(0, 1, 2), new TrainRng(seed)).objective.contrastive!;
        const D = c.docRows.length;
        assert.equal(D, 3, "apple, pear and rock, each once");
        const pear = c.positive[1], rock = c.positive[2], apple = [0, 1, 2].find((j) => j !== pear && j !== rock)!;
        drawnTexts.add(c.positive[0] === pear ? 1 : 0);
        const other = c.positive[0] === pear ? apple : pear;
        assert.ok(c.allowed, `seed ${seed}: row 0's undrawn positive is in the batch, so a mask is needed`);
        assert.deepEqual([...c.allowed.subarray(0, D)].map((v, j) => [j, v]).filter(([, v]) => !v), [[other, 0]], "query 0: only its other gold column leaves the denominator");
        assert.deepEqual([...c.allowed.subarray(D)], [1, 1, 1, 1, 1, 1], "rows 1 and 2: nothing masked (apple stays a negative of row 2)");
      }
      assert.equal(drawnTexts.size, 2, "both of row 0's positives get drawn over the seeds");
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("data files: errors name file, line and field", () => {
  const root = mkdtempSync(join(tmpdir(), "t1-stage-data-"));
  try {
    const w = (name: string, lines: unknown[]) => {
      const p = join(root, name);
      writeFileSync(p, lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n") + "\n");
      return p;
    };
    const ok = w("ok.jsonl", [{ query: "q", positive: ["a", "b"], negatives: ["n"] }]);
    assert.deepEqual(readContrastiveRows(ok)[0].positives, ["a", "b"]);
    const noReason = w("nr.jsonl", [{ query: "q", positive: "a" }, { query: "q2", positive: "b" }]);
    assert.throws(() => readContrastiveRows(noReason, true), (e: Error) => e instanceof InputError && /nr\.jsonl:1: missing \(field "reasoning"\)/.test(e.message));
    const badNeg = w("bn.jsonl", [{ query: "q", positive: "a" }, { query: "q", positive: "a", negatives: [1] }]);
    assert.throws(() => readContrastiveRows(badNeg), /bn\.jsonl:2: .*\(field "negatives"\)/);
    const badJson = w("bj.jsonl", [{ query: "q", positive: "a" }, "{oops"]);
    assert.throws(() => readContrastiveRows(badJson), /bj\.jsonl:2: not valid JSON/);
    const pool = readCandidatePool(w("pool.jsonl", [{ id: "d1", text: "one" }, { id: "d2", contents: "two" }]));
    const g = readGrpoRows(w("g.jsonl", [{ query: "q", positives: ["d2"], negatives: ["d1"] }]), pool);
    assert.deepEqual(g.positiveIds, [[1]]);
    assert.deepEqual(g.rows[0].positives, ["two"]);
    assert.throws(() => readGrpoRows(w("g2.jsonl", [{ query: "q", positives: ["d9"] }]), pool), /g2\.jsonl:1: "d9" is not an id of the candidate pool \(field "positives"\)/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
