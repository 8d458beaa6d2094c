// Port 8443: the admission webhooks over HTTPS with the certificate cert-manager mounts.
// The certificate is re-read when its file changes, so a renewal needs no restart.

import { readFileSync, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { Telemetry } from "../telemetry/metrics.js";
import {
  AdmissionError,
  type AdmissionOptions,
  mutate,
  parseReview,
  reviewResponse,
  validate,
} from "./admission.js";

// AdmissionReview bodies are bounded by the API server's request size (3 MiB).
const MAX_BODY = 3 * 2 ** 20;

export function admissionHandler(opts: AdmissionOptions, telemetry?: Telemetry) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = (req.url ?? "/").split("?")[0];
    const webhook = url === "/validate" ? "validate" : url === "/mutate" ? "mutate" : undefined;
    if (!webhook) return send(res, 404, { message: "not found" });
    if (req.method !== "POST") return send(res, 405, { message: "POST an AdmissionReview" });
    const started = process.hrtime.bigint();
    try {
      const review = parseReview(await readBody(req));
      const response = webhook === "validate" ? await validate(review.request, opts) : mutate(review.request);
      telemetry?.admissionRequests.inc({ webhook, allowed: String(response.allowed) });
      send(res, 200, reviewResponse(response));
      telemetry?.admissionDuration.observe({ webhook }, Number(process.hrtime.bigint() - started) / 1e9);
    } catch (err) {
      if (err instanceof AdmissionError) return send(res, 400, { message: err.message });
      throw err;
    }
  };
}

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  /** How often to look for a renewed certificate. */
  reloadMs?: number;
}

export function createAdmissionServer(
  tls: TlsFiles,
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): Server {
  const load = () => ({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) });
  const server = createServer(load(), (req, res) => {
    handler(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { message: (err as Error).message });
    });
  });
  let mtime = statSync(tls.certFile).mtimeMs;
  const timer = setInterval(() => {
    try {
      const m = statSync(tls.certFile).mtimeMs;
      if (m === mtime) return;
      server.setSecureContext(load());
      mtime = m;
    } catch {
      // Mid-rotation the pair can be briefly inconsistent; the next tick retries.
    }
  }, tls.reloadMs ?? 60_000);
  timer.unref();
  server.on("close", () => clearInterval(timer));
  return server;
}

function send(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/**
 * The body as text. Past 3 MiB nothing more is kept, but the rest is read (and dropped) so the
 * caller gets its 400 instead of a reset connection.
 */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on("end", () =>
      size > MAX_BODY
        ? reject(new AdmissionError("AdmissionReview larger than 3 MiB"))
        : resolve(Buffer.concat(chunks).toString("utf8")),
    );
    req.on("error", reject);
  });
}
