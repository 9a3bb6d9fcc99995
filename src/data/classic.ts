import { existsSync } from "node:fs";
import { join } from "node:path";
import { InputError, T1Error } from "../util/errors.js";
import { sharedPath } from "../util/paths.js";
import { parseQrels } from "./trec-files.js";
import { readTextFile } from "./text-file.js";
import type { Qrels } from "./types.js";
import type { Collection, Document, Query } from "./types.js";
import { joinTitle } from "./jsonl.js";
import { normalizeSpace, parseSmart } from "./smart.js";

/**
 * Loaders for the classic test collections in their original distribution files.
 *
 * Text choices (as ir_datasets / PyTerrier index these collections): a document's text is its title
 * and its body (`.T` + `.W`; CACM documents without an abstract are title-only; Vaswani has no
 * title) joined by "\n", with whitespace runs collapsed; authors, bibliographic lines and citation
 * lists are left out. Query text is the `.W` field (CISI: `.T` + `.W` when a title is present).
 *
 * Relevance levels are higher-is-better everywhere. Cranfield's Cleverdon codes run the other way
 * (1 = complete answer ... 4 = minimal interest, -1 = no interest), so code c becomes level 5 - c
 * and -1 becomes 0 (judged, not relevant); binary measures are unaffected, graded nDCG gets gains
 * in the right order. CACM, CISI and Vaswani list only relevant pairs (level 1).
 */
export type ClassicName = "cranfield" | "cacm" | "cisi" | "vaswani";

const FOLDERS: Record<ClassicName, string> = { cranfield: "cranfield", cacm: "cacm", cisi: "cisi", vaswani: "vaswani_npl" };

export const CLASSIC_NAMES: readonly ClassicName[] = ["cranfield", "cacm", "cisi", "vaswani"];

export function loadClassicCollection(name: ClassicName, dir?: string): Collection {
  if (!(name in FOLDERS)) throw new InputError(`unknown classic collection "${name}"; expected one of ${CLASSIC_NAMES.join(", ")}`);
  const root = dir ?? sharedPath("data", "classic", FOLDERS[name]);
  if (!root || !existsSync(root)) {
    throw new T1Error(
      "NOT_FOUND",
      `classic collection "${name}" not found${dir ? ` at ${dir}` : ""}: pass its folder (with the original distribution files) or set T1_SHARED_DIR to a folder holding data/classic/${FOLDERS[name]}`,
    );
  }
  switch (name) {
    case "cranfield":
      return loadCranfield(root);
    case "cacm":
      return loadCacm(root);
    case "cisi":
      return loadCisi(root);
    case "vaswani":
      return loadVaswani(root);
  }
}

function need(root: string, file: string): string {
  const p = join(root, file);
  if (!existsSync(p)) throw new T1Error("NOT_FOUND", `${p}: missing (expected the original distribution file "${file}" in ${root})`);
  return p;
}

function smartDocs(path: string): Document[] {
  return parseSmart(readTextFile(path), path).map((r) => {
    const title = normalizeSpace(r.fields.get("T"));
    const text = joinTitle(title, normalizeSpace(r.fields.get("W")));
    return title ? { id: r.id, text, title } : { id: r.id, text };
  });
}

function loadCranfield(root: string): Collection {
  const documents = smartDocs(need(root, "cran.all.1400"));
  const qpath = need(root, "cran.qry");
  // The .I numbers of cran.qry skip values; the qrels number the queries 1..225 by position.
  const queries: Query[] = parseSmart(readTextFile(qpath), qpath).map((r, i) => ({ id: String(i + 1), text: normalizeSpace(r.fields.get("W")) }));
  const rpath = need(root, "cranqrel");
  const qrels: Qrels = new Map();
  readTextFile(rpath).split("\n").forEach((raw, i) => {
    const l = raw.trim();
    if (!l) return;
    const f = l.split(/\s+/);
    const code = Number(f[2]);
    if (f.length !== 3 || !/^\d+$/.test(f[0]!) || !/^\d+$/.test(f[1]!) || ![-1, 1, 2, 3, 4].includes(code)) {
      throw new InputError(`expected \`query doc code\` with code -1 or 1..4, got "${l}"`, { file: rpath, line: i + 1 });
    }
    setJudgment(qrels, String(Number(f[0])), String(Number(f[1])), code === -1 ? 0 : 5 - code, rpath, i + 1);
  });
  return { name: "cranfield", documents, queries, qrels };
}

function loadCacm(root: string): Collection {
  const documents = smartDocs(need(root, "cacm.all"));
  const qpath = need(root, "query.text");
  // query.text ends with a spurious empty ".I 0" record: dropped.
  const queries: Query[] = parseSmart(readTextFile(qpath), qpath)
    .filter((r) => !(r.id.replace(/^0+/, "") === "" && normalizeSpace(r.fields.get("W")) === ""))
    .map((r) => ({ id: String(Number(r.id)), text: normalizeSpace(r.fields.get("W")) }));
  const rpath = need(root, "qrels.text");
  return { name: "cacm", documents, queries, qrels: relevantPairs(rpath, 4) };
}

function loadCisi(root: string): Collection {
  const documents = smartDocs(need(root, "CISI.ALL"));
  const qpath = need(root, "CISI.QRY");
  const queries: Query[] = parseSmart(readTextFile(qpath), qpath).map((r) => ({
    id: String(Number(r.id)),
    text: joinTitle(normalizeSpace(r.fields.get("T")), normalizeSpace(r.fields.get("W"))),
  }));
  return { name: "cisi", documents, queries, qrels: relevantPairs(need(root, "CISI.REL"), 4) };
}

/** `qid docid ...` lines listing relevant pairs (CACM's `01 1410 0 0`, CISI's `1 28 0 0.000000`). */
function relevantPairs(path: string, fields: number): Qrels {
  const qrels: Qrels = new Map();
  readTextFile(path).split("\n").forEach((raw, i) => {
    const l = raw.trim();
    if (!l) return;
    const f = l.split(/\s+/);
    if (f.length !== fields || !/^\d+$/.test(f[0]!) || !/^\d+$/.test(f[1]!)) {
      throw new InputError(`expected ${fields} fields \`query doc 0 0\`, got "${l}"`, { file: path, line: i + 1 });
    }
    setJudgment(qrels, String(Number(f[0])), String(Number(f[1])), 1, path, i + 1);
  });
  return qrels;
}

function setJudgment(qrels: Qrels, qid: string, docid: string, rel: number, file: string, line: number): void {
  let q = qrels.get(qid);
  if (!q) qrels.set(qid, (q = new Map()));
  if (q.has(docid) && q.get(docid) !== rel) throw new InputError(`query ${qid} doc ${docid} judged twice with different levels`, { file, line });
  q.set(docid, rel);
}

function loadVaswani(root: string): Collection {
  const dpath = need(root, "doc-text.trec");
  const documents: Document[] = [];
  const docRe = /<DOC>\s*<DOCNO>\s*([^<\s]+)\s*<\/DOCNO>([\s\S]*?)<\/DOC>/g;
  const text = readTextFile(dpath);
  for (const m of text.matchAll(docRe)) documents.push({ id: m[1]!, text: normalizeSpace(m[2]) });
  const expected = (text.match(/<DOC>/g) ?? []).length;
  if (documents.length !== expected) throw new InputError(`found ${expected} <DOC> tags but only ${documents.length} well-formed <DOC><DOCNO>id</DOCNO>text</DOC> records`, { file: dpath });
  const qpath = need(root, "query-text.trec");
  const qtext = readTextFile(qpath);
  const queries: Query[] = [];
  for (const m of qtext.matchAll(/<top>([\s\S]*?)<\/top>/g)) {
    const num = /<num>\s*([^<\s]+)\s*<\/num>/.exec(m[1]!);
    const title = /<title>([\s\S]*?)<\/title>/.exec(m[1]!);
    if (!num || !title) throw new InputError(`a <top> topic lacks <num> or <title>: "${normalizeSpace(m[1]).slice(0, 60)}"`, { file: qpath });
    queries.push({ id: num[1]!, text: normalizeSpace(title[1]) });
  }
  const rpath = need(root, "qrels");
  return { name: "vaswani", documents, queries, qrels: parseQrels(readTextFile(rpath), rpath) };
}
