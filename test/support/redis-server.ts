// A private redis-server on a free loopback port, for tests that stop and restart Redis (the
// shared one at 127.0.0.1:6379 is never touched). No persistence: a restart starts empty, as a
// Redis without a volume does after its pod is rescheduled. Fails loudly when the binary is
// missing or the server does not answer.

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createConnection } from "node:net";
import { freePort } from "./ports.js";

export interface PrivateRedis {
  url: string;
  port: number;
  /** Stops the server (SIGTERM, then SIGKILL); a no-op when it is not running. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections stay open and nothing answers, until resume(). */
  pause(): void;
  resume(): void;
}

function binary(): string {
  try {
    return execFileSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error("redis-server is not installed; install it with: apt-get install -y redis-server");
  }
}

/** Answers PING with +PONG within a second. */
function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on("error", () => done(false));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (d) => done(String(d).startsWith("+PONG")));
  });
}

export async function startRedis(): Promise<PrivateRedis> {
  const bin = binary();
  const port = await freePort();
  let child: ChildProcess | undefined;
  let exited: Promise<unknown> = Promise.resolve();

  const start = async () => {
    let stderr = "";
    child = spawn(bin, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    const c = child;
    c.stderr?.on("data", (d) => {
      stderr = (stderr + String(d)).slice(-2000);
    });
    exited = new Promise((resolve) => c.on("exit", resolve));
    const deadline = Date.now() + 10_000;
    while (!(await pong(port))) {
      if (c.exitCode !== null) throw new Error(`redis-server exited with ${c.exitCode}: ${stderr}`);
      if (Date.now() > deadline) {
        c.kill("SIGKILL");
        throw new Error(`redis-server on port ${port} did not answer PING within 10 s: ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  const stop = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    c.kill("SIGTERM");
    c.kill("SIGCONT"); // a paused server handles the SIGTERM only once it runs again
    const timer = setTimeout(() => c.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  };

  await start();
  const signal = (s: NodeJS.Signals) => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill(s);
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    stop,
    pause: () => signal("SIGSTOP"),
    resume: () => signal("SIGCONT"),
  };
}
