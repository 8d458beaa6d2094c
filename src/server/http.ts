// Port 8080: GitHub webhooks (Probot's Node middleware, when a GitHub App is configured),
// Prometheus /metrics, and the kubelet's /healthz (the process answers) and /readyz (it
// can do its job: started, and the Kubernetes API reachable recently). /metrics can move to a
// port of its own (METRICS_PORT, kept off the public webhook port) and ask for a bearer token.

import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Registry } from "prom-client";

export type WebhookMiddleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (err?: Error) => void,
) => unknown;

export interface HttpServiceOptions {
  registry: Registry;
  /** undefined while ready, else why not (shown in the /readyz body). */
  notReady: () => string | undefined | Promise<string | undefined>;
  webhooks?: WebhookMiddleware;
  webhooksPath?: string;
  /** Local mode: the policies with their status (no CRs to `kubectl get`). */
  policies?: () => unknown[];
  /** false: /metrics is served elsewhere (its own port); this server answers 404 for it. */
  serveMetrics?: boolean;
  /** When set, /metrics needs `Authorization: Bearer <token>` (read per request, so it can rotate). */
  metricsToken?: () => string;
  /** Only /metrics and /healthz (the metrics port). */
  metricsOnly?: boolean;
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header ?? "");
  const expected = Buffer.from(`Bearer ${token}`);
  return token !== "" && given.length === expected.length && timingSafeEqual(given, expected);
}

export function httpHandler(o: HttpServiceOptions) {
  const path = o.webhooksPath ?? "/api/github/webhooks";
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && url === "/healthz") return text(res, 200, "ok\n");
    if (req.method === "GET" && url === "/metrics" && o.serveMetrics !== false) {
      if (o.metricsToken && !bearerMatches(req.headers.authorization, o.metricsToken()))
        return text(res, 401, "a bearer token is required for /metrics\n");
      const body = await o.registry.metrics();
      res.writeHead(200, { "content-type": o.registry.contentType });
      res.end(body);
      return;
    }
    if (o.metricsOnly) return text(res, 404, "not found\n");
    if (req.method === "GET" && url === "/readyz") {
      const why = await o.notReady();
      return why ? text(res, 503, `not ready: ${why}\n`) : text(res, 200, "ok\n");
    }
    if (req.method === "GET" && url === "/policies" && o.policies) {
      const body = JSON.stringify({ items: o.policies() }, null, 2);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(body);
      return;
    }
    if (url === path) {
      if (!o.webhooks) return text(res, 404, "GitHub App not configured (APP_ID unset)\n");
      await o.webhooks(req, res, () => text(res, 404, "not found\n"));
      return;
    }
    text(res, 404, "not found\n");
  };
}

export function createHttpService(o: HttpServiceOptions): Server {
  const handle = httpHandler(o);
  return createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) text(res, 500, `internal error: ${(err as Error).message}\n`);
    });
  });
}

function text(res: ServerResponse, code: number, body: string): void {
  res.writeHead(code, { "content-type": "text/plain; charset=utf-8" });
  res.end(body);
}
