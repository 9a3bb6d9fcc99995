/**
 * T1 inputs as token ids, built in ONE place for every backend and for training: explicit BOS when
 * the model wants one, never an automatic EOS (a tokenizer whose post-processor appends EOS would
 * otherwise give `[…, emb, eos]` or a generation prompt ending in EOS), and text parts tokenised
 * separately (prompt, then reasoning: exactly how training sees them).
 */
export interface T1Tokenization {
  /** Ids of `text` with special tokens parsed and NO automatic special tokens (no BOS, no EOS). */
  tokenize(text: string): number[];
  /** The BOS id when the model wants one at the start of every input; undefined otherwise. */
  bosId?: number;
  /** Id of `<emb_token>`. */
  embId: number;
}

export class T1Inputs {
  constructor(private readonly t: T1Tokenization) {}

  get embId(): number {
    return this.t.embId;
  }

  /**
   * Ids of text parts, each tokenised on its own and concatenated, with BOS once in front (a
   * template that already writes BOS does not get a second one).
   */
  parts(parts: readonly string[]): number[] {
    const ids: number[] = [];
    for (const p of parts) if (p) ids.push(...this.t.tokenize(p));
    return withBos(ids, this.t.bosId);
  }

  /** Ids of a text that continues an input (a reasoning): no BOS. */
  piece(text: string): number[] {
    return this.t.tokenize(text);
  }

  /** Ids of one text (a prompt, or anything fed to the model as one piece). */
  text(text: string): number[] {
    return this.parts([text]);
  }

  /** A document: `prefix + text` (BOS included) cut to `maxLength` tokens, then `<emb_token>`. */
  document(prefix: string, text: string, maxLength: number): number[] {
    return [...this.text(prefix + text).slice(0, maxLength), this.t.embId];
  }

  /** A query: prompt ids ++ reasoning ids (tokenised apart, as training does) ++ `<emb_token>`. */
  query(prompt: string, reasoning = ""): number[] {
    return [...this.parts([prompt, reasoning]), this.t.embId];
  }

  /** Ids read up to their last `<emb_token>` (appended when missing): the read-out point. */
  uptoEmb(ids: readonly number[]): number[] {
    const last = ids.lastIndexOf(this.t.embId);
    return last >= 0 ? ids.slice(0, last + 1) : [...ids, this.t.embId];
  }
}

/** `ids` with `bosId` in front unless already there (a template that writes BOS gets no second one). */
export function withBos(ids: number[], bosId: number | undefined): number[] {
  if (bosId !== undefined && ids[0] !== bosId) ids.unshift(bosId);
  return ids;
}
