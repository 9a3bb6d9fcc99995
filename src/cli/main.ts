#!/usr/bin/env node
import { readdirSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { formatCommandHelp, parseCommandArgs, type Command } from "./command.js";
import { T1Error } from "../util/errors.js";

/** Commands are discovered from src/cli/commands (one command per file, default export). */
async function loadCommands(): Promise<Command[]> {
  const dir = join(dirname(fileURLToPath(import.meta.url)), "commands");
  const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
  const files = readdirSync(dir).filter((f) => f.endsWith(ext) && !f.endsWith(".d.ts") && !f.endsWith(".test.ts"));
  const cmds: Command[] = [];
  for (const f of files.sort()) {
    const mod = (await import(pathToFileURL(join(dir, f)).href)) as { default?: Command };
    if (mod.default && typeof mod.default.run === "function") cmds.push(mod.default);
  }
  return cmds.sort((a, b) => a.name.localeCompare(b.name));
}

function globalHelp(cmds: Command[]): string {
  const width = Math.max(...cmds.map((c) => c.name.length)) + 2;
  return [
    "t1: reasoning-intensive retrieval with the T1 method",
    "",
    "Usage: t1 <command> [options]      (t1 <command> --help, or t1 help <command>, for its options)",
    "       t1 --version",
    "",
    "Commands:",
    ...cmds.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
  ].join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const cmds = await loadCommands();
  // `t1 help index` is `t1 index --help`.
  if (argv[0] === "help" && argv.length > 1) return main([...argv.slice(1), "--help"]);
  if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
    console.log(globalHelp(cmds));
    return 0;
  }
  if (argv[0] === "--version" || argv[0] === "-v") {
    const { packageRoot } = await import("../util/paths.js");
    const { readFileSync } = await import("node:fs");
    console.log(JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")).version);
    return 0;
  }
  // Longest match first, so "bm25 index" wins over "bm25".
  const two = argv.length > 1 ? `${argv[0]} ${argv[1]}` : "";
  const cmd = cmds.find((c) => c.name === two) ?? cmds.find((c) => c.name === argv[0]);
  if (!cmd) {
    // A group with subcommands only ("t1 bright"): list them; --help asks for exactly that.
    const group = cmds.filter((c) => c.name.startsWith(`${argv[0]} `));
    if (group.length > 0) {
      const wantsHelp = argv[1] === undefined || argv[1] === "--help" || argv[1] === "-h";
      const text = `Usage: t1 ${argv[0]} <subcommand> [options]\n\nSubcommands:\n${group.map((c) => `  t1 ${c.name}  ${c.summary}`).join("\n")}`;
      if (wantsHelp && argv[1] !== undefined) {
        console.log(text);
        return 0;
      }
      console.error(`${argv[1] === undefined ? "" : `t1: unknown subcommand "${argv[0]} ${argv[1]}"\n\n`}${text}`);
      return 2;
    }
    console.error(`t1: unknown command "${argv[0]}"\n\n${globalHelp(cmds)}`);
    return 2;
  }
  const rest = argv.slice(cmd.name.split(" ").length);
  const { values, positionals, help } = parseCommandArgs(cmd, rest);
  if (help) {
    const subs = cmds.filter((c) => c.name.startsWith(cmd.name + " "));
    let text = formatCommandHelp(cmd);
    if (subs.length) text += "\n\nSubcommands:\n" + subs.map((s) => `  t1 ${s.name}  ${s.summary}`).join("\n");
    console.log(text);
    return 0;
  }
  return (await cmd.run(values, positionals)) ?? 0;
}

function isEntryPoint(): boolean {
  try {
    return Boolean(process.argv[1]) && realpathSync(process.argv[1]!) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}
/**
 * Prints an error that ended a command as one line and returns the exit code: 2 for bad input
 * (BAD_INPUT, NOT_FOUND, MISMATCH), else 1. Anything that is not a T1Error is a bug or an
 * environment failure (a RangeError deep in a converter, ENOSPC): the user gets its message; the
 * stack trace, which helps a developer and not them, only with T1_DEBUG=1.
 */
export function reportError(err: unknown, print: (line: string) => void = console.error): number {
  if (err instanceof T1Error) {
    print(`t1: error [${err.code}]: ${err.message}`);
    return err.code === "BAD_INPUT" || err.code === "NOT_FOUND" || err.code === "MISMATCH" ? 2 : 1;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  print(`t1: internal error (${e.name}): ${e.message}${process.env.T1_DEBUG ? `\n${e.stack ?? ""}` : " (set T1_DEBUG=1 for the stack trace)"}`);
  return 1;
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.exitCode = reportError(err);
    },
  );
}
