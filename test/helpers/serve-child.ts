import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";

/** Starts `t1 serve ARGS --port 0` as a child process and resolves with it and the URL it prints. */
export async function startServeChild(args: string[]): Promise<{ child: ChildProcess; base: string }> {
  const main = join(import.meta.dirname, "..", "..", "src", "cli", "main.ts");
  const child = spawn(process.execPath, ["--import", "tsx", main, "serve", ...args, "--port", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, T1_THREADS: "1" },
  });
  try {
    const base = await new Promise<string>((resolve, reject) => {
      child.stdout!.on("data", (d: Buffer) => {
        const m = /http:\/\/\S+/.exec(d.toString());
        if (m) resolve(m[0]);
      });
      child.on("exit", (code) => reject(new Error(`t1 serve exited with ${code}`)));
    });
    return { child, base };
  } catch (e) {
    child.kill();
    throw e;
  }
}
