import { existsSync } from "node:fs";
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { InputError, T1Error } from "../util/errors.js";

/**
 * Streams the rows of a Parquet file as plain objects, one row group at a time (so a 400k-document
 * corpus never sits in memory twice). Decompression covers every codec Hugging Face writes
 * (snappy, zstd, gzip, brotli, lz4) through hyparquet-compressors.
 */
export async function* iterateParquetRows(path: string, columns?: string[]): AsyncGenerator<[Record<string, unknown>, number]> {
  if (!existsSync(path)) throw new T1Error("NOT_FOUND", `${path}: no such file`);
  let file;
  let metadata;
  try {
    file = await asyncBufferFromFile(path);
    metadata = await parquetMetadataAsync(file);
  } catch (e) {
    throw new InputError(`not a readable Parquet file (${(e as Error).message})`, { file: path });
  }
  const names = new Set(metadata.schema.slice(1).map((s) => s.name));
  for (const c of columns ?? []) {
    if (!names.has(c)) throw new InputError(`Parquet file lacks column "${c}"; it has ${[...names].map((n) => `"${n}"`).join(", ")}`, { file: path });
  }
  let start = 0;
  for (const rg of metadata.row_groups) {
    const end = start + Number(rg.num_rows);
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({ file, metadata, columns, rowStart: start, rowEnd: end, compressors });
    } catch (e) {
      throw new InputError(`cannot decode rows ${start}..${end - 1} (${(e as Error).message})`, { file: path });
    }
    for (let i = 0; i < rows.length; i++) yield [rows[i]!, start + i + 1];
    start = end;
  }
}
