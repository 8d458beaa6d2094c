import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { PrometheusClient } from "../../src/metrics/prometheus-client.js";
import { PrometheusUsageSource } from "../../src/metrics/prometheus-source.js";

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

let server: Server | undefined;
const seen: { headers: IncomingMessage["headers"]; body: string; url: string }[] = [];

async function serve(handler: Handler): Promise<string> {
  seen.length = 0;
  const s = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      seen.push({ headers: req.headers, body, url: req.url ?? "" });
      handler(req, body, res);
    });
  });
  server = s;
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

afterEach(async () => {
  const s = server;
  server = undefined;
  if (!s) return;
  s.closeAllConnections();
  await new Promise((resolve) => s.close(resolve));
});

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
};
const success = { status: "success", data: { resultType: "vector", result: [] } };

describe("PrometheusClient against a misbehaving server", () => {
  it("says when Prometheus cannot be reached, after retrying", async () => {
    const url = await serve(() => {});
    await new Promise((resolve) => server?.close(resolve));
    const client = new PrometheusClient({ url, retries: 1, backoffMs: 10 });
    await expect(client.query("up", 0)).rejects.toThrow(
      new RegExp(`Prometheus at ${url}/: cannot reach it \\(ECONNREFUSED\\) \\(after 2 attempts\\)`),
    );
  });

  it("gives up on a slow answer after the timeout", async () => {
    const url = await serve((_req, _body, res) => setTimeout(() => json(res, 200, success), 3000));
    const client = new PrometheusClient({ url, timeoutMs: 200, retries: 0 });
    // The server would answer after 3 s: a rejection naming the timeout is the client giving up.
    await expect(client.query("up", 0)).rejects.toThrow(
      /no answer to api\/v1\/query within 200 ms \(timeout\)/,
    );
  });

  it("reports a 4xx with Prometheus's own error and does not retry it", async () => {
    const url = await serve((_req, _body, res) =>
      json(res, 400, { status: "error", errorType: "bad_data", error: 'parse error: unexpected "}"' }),
    );
    const client = new PrometheusClient({ url, retries: 3, backoffMs: 10 });
    await expect(client.query("up}", 0)).rejects.toThrow(
      /api\/v1\/query answered HTTP 400 \(bad_data: parse error: unexpected "}"\)/,
    );
    expect(seen).toHaveLength(1);
  });

  it("retries a 5xx with backoff and then says how often it tried", async () => {
    const url = await serve((_req, _body, res) => {
      res.writeHead(503);
      res.end("Service Unavailable");
    });
    const client = new PrometheusClient({ url, retries: 2, backoffMs: 10 });
    await expect(client.query("up", 0)).rejects.toThrow(
      /HTTP 503 \(Service Unavailable\) \(after 3 attempts\)/,
    );
    expect(seen).toHaveLength(3);
  });

  it("recovers when a retry succeeds", async () => {
    let calls = 0;
    const url = await serve((_req, _body, res) =>
      calls++ === 0 ? json(res, 502, {}) : json(res, 200, success),
    );
    const client = new PrometheusClient({ url, retries: 2, backoffMs: 10 });
    await expect(client.query("up", 0)).resolves.toEqual([]);
    expect(client.stats.queries).toBe(1);
  });

  it("sends the bearer token, or basic auth, and the query as a form", async () => {
    const url = await serve((_req, _body, res) => json(res, 200, success));
    await new PrometheusClient({ url: `${url}/prom`, bearerToken: "s3cret" }).query("up", 5);
    await new PrometheusClient({ url, basicAuth: { username: "u", password: "p" } }).query("up", 5);
    expect(seen[0]?.url).toBe("/prom/api/v1/query");
    expect(seen[0]?.headers.authorization).toBe("Bearer s3cret");
    expect(new URLSearchParams(seen[0]?.body).get("query")).toBe("up");
    expect(seen[1]?.headers.authorization).toBe(`Basic ${Buffer.from("u:p").toString("base64")}`);
  });

  it("takes credentials out of the URL as basic auth, reads a token file per request, and never shows the password", async () => {
    const url = await serve((_req, _body, res) => json(res, 200, success));
    const withCreds = url.replace("http://", "http://costopt:hunter%232@");
    await new PrometheusClient({ url: withCreds }).query("up", 5);
    expect(seen[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from("costopt:hunter#2").toString("base64")}`,
    );
    let token = "first";
    const client = new PrometheusClient({ url, bearerToken: () => token });
    await client.query("up", 5);
    token = "rotated";
    await client.query("up", 5);
    expect(seen.slice(1).map((s) => s.headers.authorization)).toEqual(["Bearer first", "Bearer rotated"]);
    expect(new PrometheusUsageSource({ url: withCreds }).description).toBe(
      `prometheus ${url.replace("http://", "http://costopt:***@")}/`,
    );
    // Malformed, with a password: the error names the URL without it.
    const bad = () => new PrometheusClient({ url: "http://costopt:hunter2@bad host:9090" });
    expect(bad).toThrow(/invalid Prometheus URL "http:\/\/costopt:\*\*\*@bad host:9090"/);
    expect(bad).not.toThrow(/hunter2/);
  });

  it("rejects a URL that is not http(s)", () => {
    expect(() => new PrometheusClient({ url: "ftp://x" })).toThrow(/must be http or https/);
    expect(() => new PrometheusClient({ url: "not a url" })).toThrow(/invalid Prometheus URL/);
  });

  it("the usage source passes a server error on instead of reporting no usage", async () => {
    const url = await serve((_req, _body, res) =>
      json(res, 500, { status: "error", errorType: "internal", error: "boom" }),
    );
    const source = new PrometheusUsageSource({ url, retries: 0, resolutionSeconds: 60 });
    await expect(
      source.usage([{ namespace: "a", kind: "Deployment", name: "w" }], { start: 0, end: 3600 }),
    ).rejects.toThrow(/HTTP 500 \(internal: boom\)/);
  });

  it("the usage source falls back to range queries where remote read is missing", async () => {
    const url = await serve((req, _body, res) => {
      if (req.url === "/api/v1/read") {
        res.writeHead(404, { "content-type": "text/plain" });
        return res.end("404 page not found");
      }
      if (req.url === "/api/v1/series") return json(res, 200, { status: "success", data: [] });
      json(res, 200, { status: "success", data: { resultType: "matrix", result: [] } });
    });
    const source = new PrometheusUsageSource({ url, retries: 0, resolutionSeconds: 60 });
    const usage = await source.usage([{ namespace: "a", kind: "Deployment", name: "w" }], {
      start: 0,
      end: 7200,
    });
    expect(usage.size).toBe(0);
    expect(source.mode).toBe("query-range");
    expect(seen.map((r) => r.url)).toEqual([
      "/api/v1/series",
      "/api/v1/read",
      "/api/v1/query_range",
      "/api/v1/query_range",
      "/api/v1/query_range",
    ]);
  });

  it("lets a streamed remote read take longer than the timeout while frames keep coming, not once they stop", async () => {
    // An empty ChunkedReadResponse: length 0, four checksum bytes.
    const emptyFrame = Buffer.from([0, 0, 0, 0, 0]);
    const stream = (frames: number, stallAfter: number) =>
      serve((_req, _body, res) => {
        res.writeHead(200, {
          "content-type": "application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse",
        });
        let sent = 0;
        const tick = setInterval(() => {
          if (sent === stallAfter) return clearInterval(tick);
          res.write(emptyFrame);
          if (++sent === frames) {
            clearInterval(tick);
            res.end();
          }
        }, 100);
      });
    const query = { startMs: 0, endMs: 1, matchers: [] };
    const steady = new PrometheusClient({ url: await stream(6, -1), timeoutMs: 300, retries: 0 });
    await expect(steady.remoteRead([query], () => {})).resolves.toBeUndefined();
    await new Promise((resolve) => server?.close(resolve));
    const stalled = new PrometheusClient({ url: await stream(6, 2), timeoutMs: 300, retries: 0 });
    await expect(stalled.remoteRead([query], () => {})).rejects.toThrow(
      /no answer to api\/v1\/read within 300 ms/,
    );
  });
});
