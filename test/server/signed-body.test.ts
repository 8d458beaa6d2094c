// Unauthenticated webhook bodies: an unsigned post is refused before its body is read, a forged
// one is hashed as it streams, and the bytes held for bodies not yet verified stay within the
// budget whatever the number of concurrent posts — 401, 413 or 503, never an unbounded buffer.

import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { SignedBodyReader } from "../../src/server/signed-body.js";

const SECRET = "webhook-secret";
const MiB = 1024 * 1024;
const sign = (body: Buffer | string) => `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;

let server: Server;
let reader: SignedBodyReader;
/** Bodies that reached the handler after verification. */
let delivered: Buffer[];

async function start(limits: ConstructorParameters<typeof SignedBodyReader>[1]) {
  reader = new SignedBodyReader(SECRET, limits);
  delivered = [];
  server = createServer((req, res) => {
    void reader.read(req, res).then((body) => {
      if (!body) return;
      delivered.push(body);
      res.end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
}
afterEach(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

interface Post {
  /** Resolves with the status as soon as the server answers, whether or not the body was all sent. */
  status: Promise<number>;
  write(chunk: Buffer): void;
  end(): void;
}

/** A POST whose body the test sends piece by piece. */
function post(headers: Record<string, string | number>): Post {
  const req = request({
    host: "127.0.0.1",
    port: (server.address() as AddressInfo).port,
    method: "POST",
    path: "/api/github/webhooks",
    headers: { "content-type": "application/json", ...headers },
  });
  const status = new Promise<number>((resolve, reject) => {
    req.on("response", (res: IncomingMessage) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
  });
  req.flushHeaders();
  return {
    status,
    write: (chunk) => {
      req.write(chunk);
    },
    end: () => req.end(),
  };
}

describe("webhook bodies before their signature is checked", () => {
  it("answers an unsigned 24 MiB post with 401 after its first bytes, holding nothing", async () => {
    await start({});
    const posts = Array.from({ length: 12 }, () => {
      const p = post({ "content-length": 24 * MiB, "x-github-event": "push" });
      p.write(Buffer.alloc(64 * 1024, 0x20));
      return p;
    });
    // The rest of each body is never sent: the answers come without it.
    expect(await Promise.all(posts.map((p) => p.status))).toEqual(Array(12).fill(401));
    expect(reader.buffered).toBe(0);
    expect(delivered).toEqual([]);
  });

  it("refuses a declared size over the limit with 413 before reading it", async () => {
    await start({ maxBytes: MiB });
    const p = post({ "content-length": 2 * MiB, "x-hub-signature-256": sign("x") });
    expect(await p.status).toBe(413);
    expect(reader.buffered).toBe(0);
  });

  it("bounds the bytes held for unverified bodies across concurrent posts: 503 beyond the budget", async () => {
    await start({ budgetBytes: MiB });
    const body = Buffer.alloc(800 * 1024, 0x20);
    const slow = post({ "content-length": body.length, "x-hub-signature-256": sign("something else") });
    slow.write(body.subarray(0, 700 * 1024));
    // Wait for the exact condition: the server holds the first 700 KiB.
    await new Promise<void>((resolve) => {
      const check = () => (reader.buffered >= 700 * 1024 ? resolve() : setImmediate(check));
      check();
    });
    const second = post({ "content-length": 500 * 1024, "x-hub-signature-256": sign("y") });
    second.write(Buffer.alloc(500 * 1024, 0x20));
    expect(await second.status).toBe(503);
    slow.write(body.subarray(700 * 1024));
    slow.end();
    expect(await slow.status).toBe(401); // hashed as it streamed, and forged
    expect(reader.buffered).toBe(0);
    expect(delivered).toEqual([]);
  });

  it("lets a genuine delivery through, whole", async () => {
    await start({ budgetBytes: MiB });
    const body = Buffer.from(JSON.stringify({ zen: "Keep it logically awesome." }));
    const p = post({ "content-length": body.length, "x-hub-signature-256": sign(body) });
    p.write(body);
    p.end();
    expect(await p.status).toBe(200);
    expect(delivered.map((b) => b.toString())).toEqual([body.toString()]);
    expect(reader.buffered).toBe(0);
  });
});
