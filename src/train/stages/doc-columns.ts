/**
 * The documents of one step as columns of the InfoNCE matrix: identical (instruction, text) pairs
 * share one column, so a document that two queries both use is one column, never a negative of
 * either copy of itself.
 */
export class DocumentColumns {
  /** Token ids of each column's document, in column order. */
  readonly docs: number[][] = [];
  private readonly column = new Map<string, number>();

  constructor(private readonly tokenize: (text: string, instruction: string | undefined) => number[]) {}

  private static key(text: string, instruction: string | undefined): string {
    return (instruction ?? "\u0000") + "\u0001" + text;
  }

  /** The document's column, adding it when new. */
  add(text: string, instruction: string | undefined): number {
    const key = DocumentColumns.key(text, instruction);
    let c = this.column.get(key);
    if (c === undefined) {
      this.column.set(key, (c = this.docs.length));
      this.docs.push(this.tokenize(text, instruction));
    }
    return c;
  }

  /** The document's column if it is in the step, else undefined. */
  find(text: string, instruction: string | undefined): number | undefined {
    return this.column.get(DocumentColumns.key(text, instruction));
  }
}
