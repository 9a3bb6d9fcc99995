import { InputError } from "../util/errors.js";

/** BRIGHT's 12 domains under their Hugging Face split names (underscores). */
export const BRIGHT_DOMAINS = [
  "biology", "earth_science", "economics", "psychology", "robotics", "stackoverflow", "sustainable_living",
  "leetcode", "pony", "aops", "theoremqa_questions", "theoremqa_theorems",
] as const;
export type BrightDomain = (typeof BRIGHT_DOMAINS)[number];

/** Domains with a `long_documents` config: the 7 StackExchange ones and pony. */
export const BRIGHT_LONG_DOMAINS: readonly BrightDomain[] = [
  "biology", "earth_science", "economics", "psychology", "robotics", "stackoverflow", "sustainable_living", "pony",
];

/** Accepts the Hugging Face name (`earth_science`) or the Pyserini/Anserini one (`earth-science`). */
export function normalizeBrightDomain(name: string): BrightDomain {
  const d = name.trim().toLowerCase().replace(/-/g, "_");
  if (!(BRIGHT_DOMAINS as readonly string[]).includes(d)) {
    throw new InputError(`unknown BRIGHT domain "${name}"; expected one of ${BRIGHT_DOMAINS.join(", ")} ("-" or "_" both accepted)`);
  }
  return d as BrightDomain;
}

/** The file-name form used by the Anserini/Pyserini copies (`earth-science`). */
export function brightFileName(domain: BrightDomain): string {
  return domain.replace(/_/g, "-");
}

/**
 * BRIGHT's published query instruction for a domain, formatted as the official code does (its
 * templates say "Given a {task} post" and are filled with the task's Hugging Face name). The
 * long-document setting says "documents" where the short one says "passages"; domains without long
 * documents (leetcode, aops, theoremqa_*) have a single instruction.
 */
export function brightInstruction(domainName: string, opts: { longDocuments?: boolean } = {}): string {
  const domain = normalizeBrightDomain(domainName);
  const unit = opts.longDocuments ? "documents" : "passages";
  if (opts.longDocuments && !BRIGHT_LONG_DOMAINS.includes(domain)) {
    throw new InputError(`BRIGHT domain "${domain}" has no long-document setting (only ${BRIGHT_LONG_DOMAINS.join(", ")})`);
  }
  switch (domain) {
    case "leetcode":
      return "Given a coding problem, retrieve relevant examples that help answer the problem";
    case "aops":
    case "theoremqa_questions":
      return "Given a Math problem, retrieve relevant examples that help answer the problem";
    case "theoremqa_theorems":
      return "Given a Math problem, retrieve relevant theorems that help answer the problem";
    case "pony":
      return `Given a pony question, retrieve relevant ${unit} that help answer the question`;
    default:
      return `Given a ${domain} post, retrieve relevant ${unit} that help answer the post`;
  }
}
