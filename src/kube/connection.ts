// How costopt reaches the Kubernetes API: in the cluster through the service account (token
// and CA mounted by the kubelet), elsewhere through a URL such as `kubectl proxy`'s. A small
// HTTP layer of our own rather than @kubernetes/client-node: importing that package alone
// costs about 85 MiB of RSS, most of the service's 100 MiB budget, for the six verbs we use.

import { readFileSync } from "node:fs";
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";

const SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
// Bound service account tokens rotate (hourly by default); re-reading once a minute keeps up.
const TOKEN_TTL_MS = 60_000;

export interface ConnectionOptions {
  /** e.g. https://10.96.0.1:443 or http://127.0.0.1:8001 */
  server: string;
  ca?: Buffer;
  tokenFile?: string;
  token?: string;
  /** Per-request timeout for non-watch calls. */
  timeoutMs?: number;
}

export interface Response {
  status: number;
  body: unknown;
}

export class KubeConnection {
  readonly server: URL;
  private readonly agent: HttpAgent;
  private token?: { value: string; at: number };

  constructor(private readonly o: ConnectionOptions) {
    this.server = new URL(o.server);
    const opts = { keepAlive: true, maxSockets: 16 };
    this.agent =
      this.server.protocol === "https:" ? new HttpsAgent({ ...opts, ca: o.ca }) : new HttpAgent(opts);
  }

  /** In-cluster when KUBERNETES_SERVICE_HOST is set, else KUBE_API_URL (e.g. `kubectl proxy`). */
  static fromEnv(env: Record<string, string | undefined> = process.env): KubeConnection {
    if (env.KUBE_API_URL) return new KubeConnection({ server: env.KUBE_API_URL });
    const host = env.KUBERNETES_SERVICE_HOST;
    if (!host) {
      throw new Error(
        "no Kubernetes API: not running in a cluster (KUBERNETES_SERVICE_HOST unset) and KUBE_API_URL not set; for local use run `kubectl proxy` and set KUBE_API_URL=http://127.0.0.1:8001",
      );
    }
    const port = env.KUBERNETES_SERVICE_PORT ?? "443";
    return new KubeConnection({
      server: `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
      ca: readFileSync(`${SA_DIR}/ca.crt`),
      tokenFile: `${SA_DIR}/token`,
    });
  }

  async request(
    method: string,
    path: string,
    body?: unknown,
    contentType = "application/json",
  ): Promise<Response> {
    const res = await this.send(method, path, body, contentType, this.o.timeoutMs ?? 30_000);
    const text = await readAll(res);
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Non-JSON error bodies (proxies) are passed on as text.
    }
    return { status: res.statusCode ?? 0, body: parsed };
  }

  /**
   * A streaming GET (watch): calls onLine for each JSON line; resolves when the server ends
   * the stream, rejects on an HTTP error or a broken connection; `signal` ends it early.
   */
  async stream(path: string, onLine: (obj: unknown) => void, signal: AbortSignal): Promise<void> {
    const res = await this.send("GET", path, undefined, undefined, 0, signal);
    if ((res.statusCode ?? 0) >= 300) {
      const text = await readAll(res);
      throw Object.assign(new Error(`watch ${path}: HTTP ${res.statusCode}: ${text.slice(0, 200)}`), {
        code: res.statusCode,
      });
    }
    await new Promise<void>((resolve, reject) => {
      let buf = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buf += chunk;
        for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
          const line = buf.slice(0, i).trim();
          buf = buf.slice(i + 1);
          if (!line) continue;
          try {
            onLine(JSON.parse(line));
          } catch {
            // A line that is not JSON is skipped; the next resync repairs anything missed.
          }
        }
      });
      res.on("end", () => resolve());
      res.on("error", (err) => (signal.aborted ? resolve() : reject(err)));
      res.on("aborted", () => (signal.aborted ? resolve() : reject(new Error("watch aborted"))));
    });
  }

  close(): void {
    this.agent.destroy();
  }

  private authorization(): string | undefined {
    if (this.o.token) return `Bearer ${this.o.token}`;
    if (!this.o.tokenFile) return undefined;
    const now = Date.now();
    if (!this.token || now - this.token.at > TOKEN_TTL_MS) {
      this.token = { value: readFileSync(this.o.tokenFile, "utf8").trim(), at: now };
    }
    return `Bearer ${this.token.value}`;
  }

  private send(
    method: string,
    path: string,
    body: unknown,
    contentType: string | undefined,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<IncomingMessage> {
    const url = new URL(path, this.server);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { accept: "application/json" };
    const auth = this.authorization();
    if (auth) headers.authorization = auth;
    if (payload !== undefined) {
      headers["content-type"] = contentType ?? "application/json";
      headers["content-length"] = String(Buffer.byteLength(payload));
    }
    const req = (url.protocol === "https:" ? httpsRequest : httpRequest)(url, {
      method,
      headers,
      agent: this.agent,
      signal,
    });
    return new Promise((resolve, reject) => {
      if (timeoutMs > 0) {
        req.setTimeout(timeoutMs, () =>
          req.destroy(new Error(`${method} ${url.pathname}: timed out after ${timeoutMs} ms`)),
        );
      }
      req.on("response", resolve);
      req.on("error", reject);
      req.end(payload);
    });
  }
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on("data", (c: Buffer) => chunks.push(c));
    res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    res.on("error", reject);
  });
}
