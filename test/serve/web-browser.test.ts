/**
 * The search page in a real headless Chromium (playwright-core driving Debian's /usr/bin/chromium):
 * type a query, submit with the keyboard, and check that the ranked list and the reasoning shown
 * are the API's, that document text carrying HTML is shown as text (no element is created, no
 * script runs), that the side-by-side view shows T1, no reasoning and BM25 as the API ranks them
 * with judged documents marked, and that the page fits a phone. Screenshots go to a temp dir (path printed).
 * Skips with a message when chromium or playwright-core is absent.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { INJECTED_TEXT, postSearch, serveTinyIndex } from "./web-fixture.js";

const CHROMIUM = process.env.T1_CHROMIUM ?? "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

async function loadPlaywright(): Promise<typeof import("playwright-core") | string> {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is absent (apt-get install chromium, or set T1_CHROMIUM); skipping the browser test`;
  try {
    return await import("playwright-core");
  } catch {
    return "playwright-core is not installed (npm i -D playwright-core); skipping the browser test";
  }
}

type Hit = { id: string; score: number; score_name: string; snippet?: string; judged?: number };

/** Judgements for the side-by-side view: one judged query, found by its text. */
const QRELS = new Map([["q-sky", new Map([["d0a", 2], ["d0b", 1], ["d0c", 0], ["d3a", 0]])]]);
const SKY = "why is the sky blue?";

test("the search page streams the reasoning, shows the API's hits and never renders document HTML", { timeout: 60_000 }, async (t) => {
  const pw = await loadPlaywright();
  if (typeof pw === "string") return t.skip(pw);
  const served = await serveTinyIndex({ judgements: { qrels: QRELS, idsByText: new Map([[SKY, "q-sky"]]) } });
  const browser = await pw.chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 20_000 });
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(e.message));
    const external: string[] = [];
    page.on("request", (r) => {
      if (!r.url().startsWith(served.url)) external.push(r.url());
    });
    await page.goto(`${served.url}/`);
    await assert.doesNotReject(page.getByText(/documents, native backend/).waitFor({ timeout: 5000 }));
    // The budget field starts empty (the request leaves it out) and shows the model's own budget.
    assert.equal(await page.getByLabel("Reasoning tokens").inputValue(), "");
    assert.equal(await page.getByLabel("Reasoning tokens").getAttribute("placeholder"), String(served.pipeline.backend.format.maxReasoningTokens));

    const request = { query: "why is the sky blue?", mode: "reason", k: 41, max_reasoning_tokens: 16, hybrid: "none" };
    await page.getByLabel("Query").fill(request.query);
    await page.getByLabel("Mode").selectOption(request.mode);
    await page.getByLabel("Results (k)").fill(String(request.k));
    await page.getByLabel("Reasoning tokens").fill(String(request.max_reasoning_tokens));
    await page.getByLabel("Query").press("Enter"); // keyboard submit
    await page.locator("#status", { hasText: /results\./ }).waitFor({ timeout: 15_000 });

    const api = (await (await postSearch(served.url, request)).json()) as { reasoning: string; hits: Hit[] };
    assert.ok(api.hits.some((h) => h.snippet === INJECTED_TEXT), "the injected document is among the hits");

    const shown = await page.$$eval("#results > li", (lis) =>
      lis.map((li) => ({
        id: li.getAttribute("data-id"),
        idText: li.querySelector(".hit-id")?.textContent,
        score: li.querySelector(".main")?.getAttribute("data-score"),
        scoreText: li.querySelector(".main")?.textContent,
        snippet: li.querySelector(".hit-snippet")?.textContent,
      })),
    );
    assert.deepEqual(shown.map((h) => h.id), api.hits.map((h) => h.id));
    assert.deepEqual(shown.map((h) => h.idText), api.hits.map((h) => h.id));
    assert.deepEqual(shown.map((h) => h.score), api.hits.map((h) => String(h.score)));
    assert.ok(shown.every((h, i) => h.scoreText!.startsWith(`${api.hits[i]!.score_name} `)), "scores are named");
    assert.deepEqual(shown.map((h) => h.snippet), api.hits.map((h) => h.snippet));
    assert.equal(await page.textContent("#reasoning"), api.reasoning);
    assert.ok(api.reasoning.length > 0);
    assert.match((await page.textContent("#timings")) ?? "", /generation [\d.]+ ms · embedding [\d.]+ ms · search [\d.]+ ms/);

    // The injected HTML is text on the page: no element was made from it and no script ran.
    assert.equal(await page.locator("#results img, #results script, #results b, #results i").count(), 0);
    assert.equal(await page.evaluate("typeof window.__pwned"), "undefined");
    await assert.doesNotReject(page.getByText(INJECTED_TEXT, { exact: true }).waitFor({ timeout: 1000 }));
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(external, [], "the page requests nothing outside the server");

    // Hybrid toggle, no reasoning: RRF scores named, with each retriever's own score beside them.
    await page.getByLabel("Mode").selectOption("none");
    await page.getByLabel("Results (k)").fill("5");
    await page.getByLabel("Hybrid with BM25 (RRF)").check();
    await page.getByRole("button", { name: "Search" }).click();
    await page.locator("#status", { hasText: /^5 results\./ }).waitFor({ timeout: 15_000 });
    const hybrid = (await (await postSearch(served.url, { ...request, mode: "none", k: 5, hybrid: "rrf" })).json()) as { hits: Hit[] };
    assert.deepEqual(await page.$$eval("#results > li", (lis) => lis.map((li) => li.getAttribute("data-id"))), hybrid.hits.map((h) => h.id));
    assert.match((await page.textContent("#results > li:first-child .hit-scores")) ?? "", /^rrf [\d.]+(cosine|bm25) [\d.]+/);
    assert.equal(await page.textContent("#reasoning"), "");

    const dir = mkdtempSync(join(tmpdir(), "t1-web-"));
    await page.screenshot({ path: join(dir, "desktop.png"), fullPage: false });
    await page.locator("#results > li", { hasText: "evil<i>" }).screenshot({ path: join(dir, "injected-hit.png") });

    // Side by side: T1, no reasoning and BM25 for one judged query, each the API's ranking, judged
    // documents marked, T1's hits marked by how the reasoning moved them.
    assert.equal(await page.locator("#judged-queries option").getAttribute("value"), SKY, "judged queries are offered");
    await page.getByLabel("Hybrid with BM25 (RRF)").uncheck();
    await page.getByLabel("Side by side: T1, no reasoning, BM25").check();
    await page.getByLabel("Results (k)").fill("8");
    await page.getByLabel("Reasoning tokens").fill("12");
    await page.getByRole("button", { name: "Search" }).click();
    await page.locator("#status", { hasText: /^Compared T1, no reasoning and BM25\./ }).waitFor({ timeout: 20_000 });
    assert.ok(await page.locator("#results").isHidden(), "the single list is hidden");
    const apiBy: Record<string, { hits: Hit[]; reasoning: string; query_id?: string; judged_relevant?: number }> = {};
    for (const mode of ["reason", "none", "bm25"]) {
      apiBy[mode] = (await (await postSearch(served.url, { query: SKY, k: 8, mode, max_reasoning_tokens: 12 })).json()) as (typeof apiBy)[string];
      const col = `#compare .col[data-mode="${mode}"]`;
      const shown = await page.$$eval(`${col} ol > li`, (lis) => lis.map((li) => ({ id: li.getAttribute("data-id"), judged: li.getAttribute("data-judged"), change: li.querySelector(".change")?.textContent ?? null })));
      assert.deepEqual(shown.map((h) => h.id), apiBy[mode]!.hits.map((h) => h.id), mode);
      assert.deepEqual(shown.map((h) => h.judged), apiBy[mode]!.hits.map((h) => (QRELS.get("q-sky")!.has(h.id) ? String(QRELS.get("q-sky")!.get(h.id)) : null)), `${mode}: judged marks`);
      assert.equal(apiBy[mode]!.query_id, "q-sky");
      assert.equal(apiBy[mode]!.judged_relevant, 2);
      const rel = apiBy[mode]!.hits.filter((h) => (h.judged ?? 0) > 0).length;
      assert.equal(await page.textContent(`${col} .col-info`), `${apiBy[mode]!.hits.length} results · ${rel} of 2 relevant (query q-sky)`);
      if (mode === "reason") {
        const noneRank = new Map<string, number>();
        const none = (await (await postSearch(served.url, { query: SKY, k: 8, mode: "none" })).json()) as { hits: Hit[] };
        none.hits.forEach((h, i) => noneRank.set(h.id, i));
        const expected = shown.map((h, i) => {
          const b = noneRank.get(h.id!);
          return b === undefined ? "new" : b > i ? `▲${b - i}` : b < i ? `▼${i - b}` : null;
        });
        assert.deepEqual(shown.map((h) => h.change), expected, "rank changes against no reasoning");
      }
    }
    assert.equal(await page.textContent("#reasoning"), apiBy.reason!.reasoning);
    assert.ok(apiBy.bm25!.hits.every((h) => h.score_name === "bm25"));
    assert.ok(await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "three columns fit 1000 px");
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.screenshot({ path: join(dir, "compare.png"), fullPage: true });
    assert.deepEqual(pageErrors, []);
    // Phone width: nothing wider than the viewport.
    await page.setViewportSize({ width: 390, height: 844 });
    assert.ok(await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "no horizontal scrolling at 390 px");
    await page.screenshot({ path: join(dir, "phone.png"), fullPage: false });
    t.diagnostic(`screenshots: ${dir}`);
  } finally {
    await browser.close();
    await served.close();
  }
});
