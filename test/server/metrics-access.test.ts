// /metrics off the public webhook port, or behind a bearer token: the webhook port answers 404 for
// it when METRICS_PORT is set, and a token, when configured, is required on every scrape.

import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { createHttpService, type HttpServiceOptions } from "../../src/server/http.js";

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

async function serve(
  o: Partial<HttpServiceOptions>,
): Promise<(path: string, token?: string) => Promise<number>> {
  const registry = new Registry();
  const s = createHttpService({
    registry,
    notReady: () => undefined,
    webhooks: async (_q, r) => r.end("hook"),
    ...o,
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as AddressInfo).port;
  return async (path, token) =>
    (
      await fetch(
        `http://127.0.0.1:${port}${path}`,
        token ? { headers: { authorization: `Bearer ${token}` } } : {},
      )
    ).status;
}

describe("/metrics access", () => {
  it("moves to its own port: the webhook port no longer serves it, the metrics port serves nothing else", async () => {
    const webhookPort = await serve({ serveMetrics: false });
    const metricsPort = await serve({ metricsOnly: true });
    expect(await webhookPort("/metrics")).toBe(404);
    expect(await webhookPort("/healthz")).toBe(200);
    expect(await metricsPort("/metrics")).toBe(200);
    expect(await metricsPort("/api/github/webhooks")).toBe(404);
    expect(await metricsPort("/policies")).toBe(404);
  });

  it("requires the bearer token on every scrape, reading it anew each time", async () => {
    let token = "first-token";
    const get = await serve({ metricsToken: () => token });
    expect(await get("/metrics")).toBe(401);
    expect(await get("/metrics", "guess")).toBe(401);
    expect(await get("/metrics", "first-token")).toBe(200);
    token = "rotated-token";
    expect(await get("/metrics", "first-token")).toBe(401);
    expect(await get("/metrics", "rotated-token")).toBe(200);
    token = "";
    expect(await get("/metrics", "")).toBe(401); // an empty token file opens nothing
  });

  it("refuses a METRICS_PORT that collides with the other ports", () => {
    expect(() => loadConfig({ METRICS_PORT: "8080" })).toThrow(
      /METRICS_PORT must differ from PORT and ADMISSION_PORT/,
    );
    expect(loadConfig({ METRICS_PORT: "9102" }).metricsPort).toBe(9102);
  });
});
