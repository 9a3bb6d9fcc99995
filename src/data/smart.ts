import { InputError } from "../util/errors.js";

/**
 * The SMART-era record format of Cranfield, CACM and CISI: `.I <id>` starts a record, and lines of
 * the form `.X` (one capital letter) start a field whose text runs to the next marker.
 */
export interface SmartRecord {
  id: string;
  /** 1-based line of the `.I` marker, for error messages. */
  line: number;
  /** Field letter -> text (lines joined by "\n", trimmed). */
  fields: Map<string, string>;
}

const MARKER = /^\.([A-Z])(?:\s+(.*))?$/;

export function parseSmart(text: string, file: string): SmartRecord[] {
  const records: SmartRecord[] = [];
  let cur: SmartRecord | undefined;
  let field: string | undefined;
  let buf: string[] = [];
  const flush = () => {
    if (cur && field !== undefined) {
      const prev = cur.fields.get(field);
      const body = buf.join("\n").trim();
      cur.fields.set(field, prev ? `${prev}\n${body}` : body);
    }
    buf = [];
  };
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!.replace(/\r$/, "");
    const m = MARKER.exec(l.trimEnd());
    if (m) {
      flush();
      if (m[1] === "I") {
        const id = (m[2] ?? "").trim();
        if (!/^\d+$/.test(id)) throw new InputError(`expected ".I <number>", got "${l.trim()}"`, { file, line: i + 1 });
        cur = { id, line: i + 1, fields: new Map() };
        records.push(cur);
        field = undefined;
      } else {
        if (!cur) throw new InputError(`field marker "${l.trim()}" before the first ".I" record`, { file, line: i + 1 });
        field = m[1]!;
        if (m[2]) buf.push(m[2]);
      }
      continue;
    }
    if (field !== undefined) buf.push(l);
    else if (cur && l.trim() !== "") throw new InputError(`text outside any field of record ".I ${cur.id}" (expected a marker such as ".T" or ".W")`, { file, line: i + 1 });
  }
  flush();
  return records;
}

/** Collapses runs of whitespace (the files wrap lines at ~70 columns) into single spaces. */
export function normalizeSpace(s: string | undefined): string {
  return (s ?? "").replace(/\s+/g, " ").trim();
}
