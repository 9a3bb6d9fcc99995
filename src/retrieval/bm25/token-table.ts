/**
 * An open-addressing hash table from a range of a string (a raw token inside a document's text) to
 * a number, looked up without slicing the token out: the indexing hot path then allocates nothing
 * for tokens it has seen before. Keys are stored as strings; hashing is FNV-1a over UTF-16 units.
 */
export class TokenTable {
  private slots: Int32Array; // entry index + 1; 0 = empty
  private hashes: Int32Array;
  private keys: string[] = [];
  private values: number[] = [];

  constructor(initialCapacity = 1 << 16) {
    let cap = 16;
    while (cap < initialCapacity * 2) cap *= 2;
    this.slots = new Int32Array(cap);
    this.hashes = new Int32Array(cap);
  }

  get size(): number {
    return this.keys.length;
  }

  static hash(text: string, start: number, end: number): number {
    let h = 0x811c9dc5 | 0;
    for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    return h;
  }

  /** The value stored for text[start, end), or undefined. `h` must be TokenTable.hash of the range. */
  get(text: string, start: number, end: number, h: number): number | undefined {
    const mask = this.slots.length - 1;
    const len = end - start;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const e = this.slots[i]!;
      if (e === 0) return undefined;
      if (this.hashes[i] !== h) continue;
      const key = this.keys[e - 1]!;
      if (key.length !== len) continue;
      let same = true;
      for (let j = 0; j < len; j++) {
        if (key.charCodeAt(j) !== text.charCodeAt(start + j)) {
          same = false;
          break;
        }
      }
      if (same) return this.values[e - 1];
    }
  }

  /** Adds a key known to be absent. */
  add(key: string, h: number, value: number): void {
    if ((this.keys.length + 1) * 2 > this.slots.length) this.grow();
    this.keys.push(key);
    this.values.push(value);
    this.place(h, this.keys.length);
  }

  private place(h: number, entry: number): void {
    const mask = this.slots.length - 1;
    let i = h & mask;
    while (this.slots[i] !== 0) i = (i + 1) & mask;
    this.slots[i] = entry;
    this.hashes[i] = h;
  }

  private grow(): void {
    const oldSlots = this.slots, oldHashes = this.hashes;
    this.slots = new Int32Array(oldSlots.length * 2);
    this.hashes = new Int32Array(oldSlots.length * 2);
    for (let i = 0; i < oldSlots.length; i++) if (oldSlots[i] !== 0) this.place(oldHashes[i]!, oldSlots[i]!);
  }
}
