import { T1Error } from "../util/errors.js";
import { normalizeBrightDomain, brightFileName, BRIGHT_DOMAINS, BRIGHT_LONG_DOMAINS } from "./bright-domains.js";
import { downloadHubFiles, listHubFolder, type HubOptions } from "./hub.js";
import { writeBrightDownloadRecord } from "./bright-revision.js";

export interface BrightDownloadRequest extends HubOptions {
  /** Domains (either spelling). Default: all 12. */
  domains?: string[];
  /** Configs, e.g. ["examples", "documents"] or "gpt4_reason". Default ["examples", "documents"]. */
  configs?: string[];
  /** Local folder that becomes the Hugging Face layout (`<dir>/<config>/<domain>-*.parquet`). */
  dir: string;
  /** Dataset repo. Default "xlangai/BRIGHT". */
  repo?: string;
}

/**
 * Downloads BRIGHT's parquet files for the requested domains and configs. The shard names are read
 * from the Hub's tree listing (so multi-shard splits come whole); `long_documents` is skipped for
 * domains that have none. Records the repo and revision in `<dir>/t1-download.json` (what
 * `t1 bright eval` reports). Returns the local paths.
 */
export async function downloadBrightDataset(req: BrightDownloadRequest): Promise<string[]> {
  const repo = req.repo ?? "xlangai/BRIGHT";
  const domains = (req.domains ?? [...BRIGHT_DOMAINS]).map(normalizeBrightDomain);
  const configs = req.configs ?? ["examples", "documents"];
  const out: string[] = [];
  for (const config of configs) {
    const listing = await listHubFolder({ ...req, repo, repoType: "dataset", folder: config });
    for (const domain of domains) {
      if (config === "long_documents" && !BRIGHT_LONG_DOMAINS.includes(domain)) continue;
      const stems = new Set([domain, brightFileName(domain)]);
      const files = listing.filter((p) => {
        const name = p.split("/").pop()!;
        const m = /^(.+?)(-\d{5}-of-\d{5})?\.(parquet|jsonl|jsonl\.gz)$/.exec(name);
        return m !== null && stems.has(m[1]!);
      });
      if (files.length === 0) throw new T1Error("NOT_FOUND", `${repo}: config "${config}" has no file for domain "${domain}" (listing had ${listing.length} files)`);
      out.push(...(await downloadHubFiles({ ...req, repo, repoType: "dataset", files, dir: req.dir })));
    }
  }
  writeBrightDownloadRecord(req.dir, { repo, revision: req.revision ?? "main", ...(req.endpoint ? { endpoint: req.endpoint } : {}), downloadedAt: new Date().toISOString() });
  return out;
}
