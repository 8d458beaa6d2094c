// Reading a GitHub webhook body that nobody has authenticated yet. The signature header is checked
// for shape before a byte is read (an unsigned post is answered 401 at once), the HMAC is computed
// while the body streams in, and the bytes held for bodies not yet verified are bounded across all
// requests, as is how long one may take: a flood of large or slow forged posts costs a bounded
// amount of memory and gets 401, 413 or 503 instead of growing the process.

import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

export interface SignedBodyLimits {
  /** Largest body accepted; GitHub caps webhook payloads at 25 MB. */
  maxBytes: number;
  /** Bytes held at once for all bodies whose signature is not yet checked. */
  budgetBytes: number;
  /** How long one unverified body may take to arrive. */
  timeoutMs: number;
}

export const DEFAULT_SIGNED_BODY_LIMITS: SignedBodyLimits = {
  maxBytes: 25 * 1024 * 1024,
  budgetBytes: 32 * 1024 * 1024,
  timeoutMs: 10_000,
};

const SIGNATURE = /^sha256=[0-9a-f]{64}$/;

function refuse(
  res: ServerResponse,
  code: number,
  error: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  // The rest of a refused body is not read: the connection closes after the answer.
  res.writeHead(code, { "content-type": "application/json", connection: "close", ...headers });
  res.end(JSON.stringify({ error }));
}

export class SignedBodyReader {
  /** Bytes currently held for bodies not yet verified (for tests and /metrics). */
  buffered = 0;
  private readonly limits: SignedBodyLimits;

  constructor(
    private readonly secret: string,
    limits: Partial<SignedBodyLimits> = {},
  ) {
    this.limits = { ...DEFAULT_SIGNED_BODY_LIMITS, ...limits };
  }

  /** The verified body, or undefined when the request was refused (and answered). */
  async read(req: IncomingMessage, res: ServerResponse): Promise<Buffer | undefined> {
    const signature = req.headers["x-hub-signature-256"];
    if (typeof signature !== "string" || !SIGNATURE.test(signature)) {
      refuse(res, 401, "signature does not match");
      req.destroy();
      return undefined;
    }
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > this.limits.maxBytes) {
      refuse(res, 413, "payload too large");
      req.destroy();
      return undefined;
    }
    const hmac = createHmac("sha256", this.secret);
    const chunks: Buffer[] = [];
    let held = 0;
    const release = () => {
      this.buffered -= held;
      held = 0;
    };
    try {
      const outcome = await new Promise<"ok" | "too-large" | "busy" | "timeout" | "aborted">((resolve) => {
        const timer = setTimeout(() => resolve("timeout"), this.limits.timeoutMs);
        const finish = (how: "ok" | "too-large" | "busy" | "timeout" | "aborted") => {
          clearTimeout(timer);
          req.off("data", onData);
          resolve(how);
        };
        const onData = (chunk: Buffer) => {
          if (held + chunk.length > this.limits.maxBytes) return finish("too-large");
          if (this.buffered + chunk.length > this.limits.budgetBytes) return finish("busy");
          held += chunk.length;
          this.buffered += chunk.length;
          hmac.update(chunk);
          chunks.push(chunk);
        };
        req.on("data", onData);
        req.once("end", () => finish("ok"));
        req.once("error", () => finish("aborted"));
        req.once("close", () => finish("aborted"));
      });
      if (outcome !== "ok") {
        if (outcome === "too-large") refuse(res, 413, "payload too large");
        else if (outcome === "busy")
          refuse(res, 503, "too many unverified deliveries; retry", { "retry-after": "1" });
        else if (outcome === "timeout") refuse(res, 408, "body took too long");
        req.destroy();
        return undefined;
      }
      const expected = Buffer.from(`sha256=${hmac.digest("hex")}`);
      const given = Buffer.from(signature);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        refuse(res, 401, "signature does not match");
        return undefined;
      }
      return Buffer.concat(chunks);
    } finally {
      release();
    }
  }
}
