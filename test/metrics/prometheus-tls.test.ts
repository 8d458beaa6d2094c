// A custom CA: Prometheus behind https with a certificate no system CA signed.

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrometheusClient } from "../../src/metrics/prometheus-client.js";
import { tempDir } from "./om.js";

let server: Server;
let url: string;
let cert: string;

beforeAll(async () => {
  const dir = await tempDir();
  const [keyFile, certFile] = [join(dir, "key.pem"), join(dir, "cert.pem")];
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      "-keyout",
      keyFile,
      "-out",
      certFile,
    ],
    { stdio: "ignore" },
  );
  cert = readFileSync(certFile, "utf8");
  server = createServer({ key: readFileSync(keyFile), cert }, (_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ status: "success", data: { resultType: "vector", result: [] } }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("PrometheusClient over https", () => {
  it("trusts a server signed by the CA it was given", async () => {
    await expect(new PrometheusClient({ url, ca: cert, retries: 0 }).query("up", 0)).resolves.toEqual([]);
  });

  it("refuses one it has no CA for, saying why", async () => {
    await expect(new PrometheusClient({ url, retries: 0 }).query("up", 0)).rejects.toThrow(
      /cannot reach it \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\)/,
    );
  });
});
