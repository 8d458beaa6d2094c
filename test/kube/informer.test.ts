import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CostOptimization } from "../../src/api/types.js";
import { HttpKube } from "../../src/kube/client.js";
import { KubeConnection } from "../../src/kube/connection.js";
import { KubePolicyInformer } from "../../src/kube/informer.js";
import { silentLogger } from "../../src/telemetry/logger.js";
import { connectionFor, FakeKubeApi } from "../support/kube-api.js";
import { waitFor } from "../support/wait.js";

const G = ["costopt.dev", "v1", "costoptimizations"] as const;
const cr = (name: string, namespace = "shop", spec: Record<string, unknown> = {}) => ({
  apiVersion: "costopt.dev/v1",
  kind: "CostOptimization",
  metadata: { name, namespace },
  spec: { targetWorkload: { name, kind: "Deployment" }, ...spec },
});

let api: FakeKubeApi;
let informer: KubePolicyInformer | undefined;
beforeEach(async () => {
  api = new FakeKubeApi();
  await api.start();
});
afterEach(async () => {
  await informer?.stop();
  await api.stop();
});

async function start(namespaces: string[] = []) {
  const log: string[] = [];
  const conn = connectionFor(api.url);
  informer = new KubePolicyInformer(conn, new HttpKube(conn), namespaces, silentLogger, 50);
  const h = (verb: string) => (p: CostOptimization) =>
    log.push(`${verb} ${p.metadata.namespace}/${p.metadata.name}`);
  await informer.start({ add: h("add"), update: h("update"), delete: h("delete") });
  return log;
}

describe("the policy informer", () => {
  it("lists what exists, then follows creates, updates and deletes", async () => {
    api.put(...G, cr("a"));
    const log = await start();
    expect(log).toEqual(["add shop/a"]);
    api.put(...G, cr("b"));
    api.put(...G, cr("a", "shop", { dryRun: false }));
    await fetch(`${api.url}/apis/costopt.dev/v1/namespaces/shop/costoptimizations/b`, { method: "DELETE" });
    await waitFor(() => log.length === 4 || undefined, "four events");
    expect(log).toEqual(["add shop/a", "add shop/b", "update shop/a", "delete shop/b"]);
    expect(informer?.list().map((p) => p.metadata.name)).toEqual(["a"]);
  });

  it("resumes from the last resourceVersion when the server ends the watch, missing nothing", async () => {
    const log = await start();
    api.closeWatches();
    api.put(...G, cr("during-reconnect"));
    await waitFor(
      () => log.includes("add shop/during-reconnect") || undefined,
      "the object created while reconnecting",
    );
    expect(log).toEqual(["add shop/during-reconnect"]);
  });

  it("watches only the listed namespaces", async () => {
    const log = await start(["shop", "payments"]);
    api.put(...G, cr("a", "shop"));
    api.put(...G, cr("b", "payments"));
    api.put(...G, cr("c", "other"));
    // A later change in a watched namespace: once it has arrived, so would have "other"'s on any
    // stream that could carry it, and the requests show no such stream was ever opened.
    api.put(...G, cr("d", "shop"));
    await waitFor(() => log.includes("add shop/d") || undefined, "the later object in shop");
    expect(log.sort()).toEqual(["add payments/b", "add shop/a", "add shop/d"]);
    const paths = api.requests.map((r) => r.path);
    expect(paths.some((p) => p.startsWith("/apis/costopt.dev/v1/costoptimizations"))).toBe(false);
    expect(paths.some((p) => p.includes("/namespaces/other/"))).toBe(false);
  });
});

describe("the connection to the API server", () => {
  it("says how to connect when neither in a cluster nor given a URL", () => {
    expect(() => KubeConnection.fromEnv({})).toThrow(/kubectl proxy.*KUBE_API_URL/);
  });

  it("sends the service account token as a bearer token", async () => {
    const seen: string[] = [];
    const { createServer } = await import("node:http");
    const srv = createServer((req, res) => {
      seen.push(req.headers.authorization ?? "");
      res.end("{}");
    });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as { port: number }).port;
    await new KubeConnection({ server: `http://127.0.0.1:${port}`, token: "t0ken" }).request(
      "GET",
      "/api/v1",
    );
    srv.close();
    expect(seen).toEqual(["Bearer t0ken"]);
  });
});
