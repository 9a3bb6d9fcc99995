import { parseArgs } from "node:util";
import { InputError } from "../util/errors.js";

/**
 * One command-line option. Shown in `t1 <command> --help` with its default. `defineCommand` infers
 * each value's TypeScript type from its spec: a number, a boolean, one of `choices`, a string, or a
 * string[] for `multiple`.
 */
export interface OptionSpec {
  type: "string" | "number" | "boolean";
  description: string;
  short?: string;
  default?: string | number | boolean;
  required?: boolean;
  /** Placeholder shown in help, e.g. "FILE". Default: N for numbers, the choices for an enum, else VALUE. */
  arg?: string;
  /**
   * String options: the only accepted values. Anything else is refused while parsing, with a
   * one-line error naming the option and the valid values.
   */
  choices?: readonly string[];
  /**
   * The option may be given several times; its value is then a string[] in the order given
   * (numbers are checked but kept as strings). Absent: the default, wrapped in an array.
   */
  multiple?: boolean;
  /** Number options: only whole numbers are accepted. */
  integer?: boolean;
  /** Number options: smallest accepted value (inclusive). */
  min?: number;
  /** Number options: largest accepted value (inclusive). */
  max?: number;
  /** Number options: the value must be > min (not >=), e.g. a learning rate. */
  exclusiveMin?: boolean;
}

export type OptionSpecs = Record<string, OptionSpec>;
export type OptionValues = Record<string, string | number | boolean | string[] | undefined>;

/** The parsed type of one option. */
type ValueOf<S extends OptionSpec> = S extends { multiple: true }
  ? string[]
  : S extends { type: "number" }
    ? number
    : S extends { type: "boolean" }
      ? boolean
      : S extends { choices: readonly (infer C)[] }
        ? C
        : string;

/** Booleans, required options and options with a default always have a value. */
type AlwaysSet<S extends OptionSpec> = S extends { type: "boolean" } ? true : S extends { required: true } ? true : S extends { default: string | number | boolean } ? true : false;

/** The values `run` receives for a command whose options are O. */
export type Values<O extends OptionSpecs> = string extends keyof O ? OptionValues : { [K in keyof O]: AlwaysSet<O[K]> extends true ? ValueOf<O[K]> : ValueOf<O[K]> | undefined };

/**
 * A CLI command: one per file in src/cli/commands/, exported as default. A name with a space
 * ("bm25 index") is a subcommand.
 */
export interface Command<O extends OptionSpecs = OptionSpecs> {
  name: string;
  summary: string;
  /** Usage line after `t1 <name>`, e.g. "[options] IDX QUERY". */
  usage?: string;
  /** Longer text shown under the usage line in --help. */
  details?: string;
  options: O;
  /** Returns the exit code (default 0). */
  run(values: Values<O>, positionals: string[]): Promise<number | void>;
}

/** Declares a command; `values` in `run` are typed from the option specs (use `as const` on shared groups). */
export function defineCommand<const O extends OptionSpecs>(c: Command<O>): Command {
  return c as unknown as Command;
}

/** Parses argv for a command, applies defaults and converts numbers; errors name the option. */
export function parseCommandArgs(cmd: Command<OptionSpecs>, argv: string[]): { values: OptionValues; positionals: string[]; help: boolean } {
  const options: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> = { help: { type: "boolean", short: "h" } };
  for (const [name, spec] of Object.entries(cmd.options)) {
    if (spec.multiple && spec.type === "boolean") throw new Error(`t1 ${cmd.name}: option --${name} cannot be both boolean and multiple`);
    options[name] = {
      type: spec.type === "boolean" ? "boolean" : "string",
      ...(spec.short ? { short: spec.short } : {}),
      ...(spec.multiple ? { multiple: true } : {}),
    };
  }
  // `--k -3` would be refused by parseArgs as ambiguous; a number option takes a negative value.
  const byFlag = new Map<string, string>();
  for (const [name, spec] of Object.entries(cmd.options)) {
    if (spec.type !== "number") continue;
    byFlag.set(`--${name}`, name);
    if (spec.short) byFlag.set(`-${spec.short}`, name);
  }
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = byFlag.get(argv[i]!);
    if (name !== undefined && i + 1 < argv.length && /^-(\d|\.\d)/.test(argv[i + 1]!)) args.push(`--${name}=${argv[++i]}`);
    else args.push(argv[i]!);
  }
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new InputError(`t1 ${cmd.name}: ${(e as Error).message} (see \`t1 ${cmd.name} --help\`)`);
  }
  const raw = parsed.values as Record<string, string | boolean | (string | boolean)[] | undefined>;
  const values: OptionValues = {};
  const toNumber = (name: string, v: string | boolean): number => {
    const n = Number(v);
    const spec = cmd.options[name]!;
    const what = spec.integer ? (spec.min === 0 ? "a non-negative integer" : spec.min === 1 ? "a positive integer" : "an integer") : "a number";
    if (typeof v !== "string" || v.trim() === "" || !Number.isFinite(n) || (spec.integer && !Number.isInteger(n))) {
      throw new InputError(`t1 ${cmd.name}: --${name} expects ${what}, got "${String(v)}"`);
    }
    const belowMin = spec.min !== undefined && (spec.exclusiveMin ? n <= spec.min : n < spec.min);
    if (belowMin || (spec.max !== undefined && n > spec.max)) {
      const lower = spec.exclusiveMin ? `> ${spec.min}` : `>= ${spec.min}`;
      const range = spec.max === undefined ? lower : spec.min === undefined ? `<= ${spec.max}` : spec.exclusiveMin ? `${lower} and <= ${spec.max}` : `between ${spec.min} and ${spec.max}`;
      throw new InputError(`t1 ${cmd.name}: --${name} must be ${range}, got ${n}`);
    }
    return n;
  };
  for (const [name, spec] of Object.entries(cmd.options)) {
    const v = raw[name];
    if (spec.multiple) {
      if (v === undefined) {
        values[name] = spec.default === undefined ? undefined : [String(spec.default)];
        continue;
      }
      const list = (Array.isArray(v) ? v : [v]).map(String);
      if (spec.type === "number") for (const item of list) toNumber(name, item);
      values[name] = list;
      continue;
    }
    if (v === undefined) {
      values[name] = spec.default ?? (spec.type === "boolean" ? false : undefined);
      continue;
    }
    if (Array.isArray(v)) throw new Error(`t1 ${cmd.name}: --${name} parsed as a list but not declared multiple`);
    if (spec.choices && !spec.choices.includes(String(v))) {
      throw new InputError(`t1 ${cmd.name}: --${name} must be one of ${spec.choices.join(", ")}; got "${String(v)}"`);
    }
    values[name] = spec.type === "number" ? toNumber(name, v) : v;
  }
  const help = Boolean(raw.help);
  if (!help) {
    for (const [name, spec] of Object.entries(cmd.options)) {
      if (spec.required && values[name] === undefined) {
        throw new InputError(`t1 ${cmd.name}: --${name} is required (see \`t1 ${cmd.name} --help\`)`);
      }
    }
  }
  return { values, positionals: parsed.positionals, help };
}

function placeholder(spec: OptionSpec): string {
  return spec.arg ?? (spec.choices ? spec.choices.join("|") : spec.type === "number" ? "N" : "VALUE");
}

export function formatCommandHelp(cmd: Command): string {
  const lines = [`Usage: t1 ${cmd.name} ${cmd.usage ?? "[options]"}`, "", cmd.summary];
  if (cmd.details) lines.push("", cmd.details.trim());
  lines.push("", "Options:");
  const rows: [string, string][] = [];
  for (const [name, spec] of Object.entries(cmd.options)) {
    const flag = `${spec.short ? `-${spec.short}, ` : "    "}--${name}${spec.type === "boolean" ? "" : ` ${placeholder(spec)}`}`;
    let desc = spec.description;
    if (spec.multiple) desc += " (repeatable)";
    if (spec.required) desc += " (required)";
    else if (spec.default !== undefined && spec.default !== false) desc += ` (default: ${String(spec.default)})`;
    rows.push([flag, desc]);
  }
  rows.push(["-h, --help", "Show this help"]);
  const width = Math.min(36, Math.max(...rows.map((r) => r.length > 0 ? r[0].length : 0)) + 2);
  // A flag wider than the column gets its description on the next line, aligned, instead of running into it.
  for (const [flag, desc] of rows) lines.push(flag.length + 2 <= width ? `  ${flag.padEnd(width)}${desc}` : `  ${flag}\n  ${" ".repeat(width)}${desc}`);
  return lines.join("\n");
}
