import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CostOptimization } from "../../src/api/types.js";
import { KubePolicyInformer } from "../../src/kube/informer.js";
import { silentLogger } from "../../src/telemetry/logger.js";
import { FakeKubeApi, kubeFor } from "../support/kube-api.js";
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
  informer = new KubePolicyInformer(kubeFor(api.url), namespaces, silentLogger, 50);
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
    // Each namespace has its own stream: wait for both watched namespaces' objects.
    await waitFor(
      () => (log.includes("add shop/d") && log.includes("add payments/b")) || undefined,
      "the objects of both watched namespaces",
    );
    expect(log.sort()).toEqual(["add payments/b", "add shop/a", "add shop/d"]);
    const paths = api.requests.map((r) => r.path);
    expect(paths.some((p) => p.startsWith("/apis/costopt.dev/v1/costoptimizations"))).toBe(false);
    expect(paths.some((p) => p.includes("/namespaces/other/"))).toBe(false);
  });
});

const listRequests = () =>
  api.requests.filter(
    (r) => r.method === "GET" && r.path.includes("costoptimizations") && !r.path.includes("watch="),
  ).length;
const watchRequests = () => api.requests.filter((r) => r.path.includes("watch=true"));

describe("the policy informer when the server's history runs out", () => {
  it("relists after 410 Gone, noticing what was deleted and created while it could not resume", async () => {
    api.put(...G, cr("kept"));
    api.put(...G, cr("removed"));
    const log = await start();
    // Cut off: its reconnect waits while one policy goes, one comes, and their history is compacted away.
    api.holdWatches();
    api.closeWatches();
    await fetch(`${api.url}/apis/costopt.dev/v1/namespaces/shop/costoptimizations/removed`, {
      method: "DELETE",
    });
    api.put(...G, cr("added"));
    api.compact();
    await waitFor(() => api.heldWatches === 1 || undefined, "the informer's reconnect");
    api.releaseWatches();
    await waitFor(() => log.includes("add shop/added") || undefined, "the policy created during the gap");
    await waitFor(
      () => log.includes("delete shop/removed") || undefined,
      "the policy deleted during the gap",
    );
    expect(log.sort()).toEqual([
      "add shop/added",
      "add shop/kept",
      "add shop/removed",
      "delete shop/removed",
    ]);
    expect(
      informer
        ?.list()
        .map((p) => p.metadata.name)
        .sort(),
    ).toEqual(["added", "kept"]);
    expect(listRequests()).toBe(2);
    // It follows changes again after the relist.
    api.put(...G, cr("later"));
    await waitFor(() => log.includes("add shop/later") || undefined, "a change after the relist");
  });

  it("moves its resume point to a bookmark even when none of its objects changed", async () => {
    api.put(...G, cr("a"));
    const log = await start();
    await waitFor(() => (watchRequests().length === 1 ? true : undefined), "the first watch");
    for (let i = 0; i < 3; i++)
      api.put("coordination.k8s.io", "v1", "leases", {
        metadata: { name: `l${i}`, namespace: "x" },
        spec: {},
      });
    api.bookmark();
    const bookmarked = api.resourceVersion;
    // A bookmark carries no object, so its arrival is proven by where the next watch resumes:
    // end the stream only once the server has written the bookmark, then compact.
    api.compact();
    api.closeWatches();
    await waitFor(() => (watchRequests().length === 2 ? true : undefined), "the resumed watch");
    expect(watchRequests()[1]?.path).toContain(`resourceVersion=${bookmarked}`);
    api.put(...G, cr("b"));
    await waitFor(() => log.includes("add shop/b") || undefined, "a change after the resume");
    expect(listRequests()).toBe(1);
  });
});

describe("stopping the policy informer", () => {
  it("stops cleanly when stopped while its list is in flight, opening no watch after", async () => {
    api.holdLists();
    informer = new KubePolicyInformer(kubeFor(api.url), [], silentLogger, 50);
    const none = () => {};
    const started = informer.start({ add: none, update: none, delete: none });
    await waitFor(() => api.heldLists === 1 || undefined, "the informer's list");
    const stopped = informer.stop();
    api.releaseLists();
    await stopped;
    await started;
    api.put(...G, cr("after-stop"));
    expect(watchRequests()).toHaveLength(0);
  });
});

describe("the connection to the API server", () => {
  it("says how to connect when there is no kubeconfig and no cluster", async () => {
    const { loadKubeConfig } = await import("../../src/kube/cluster.js");
    expect(() => loadKubeConfig({ env: { HOME: "/nonexistent" } })).toThrow(
      /no kubeconfig.*not running in a cluster/,
    );
  });
});
