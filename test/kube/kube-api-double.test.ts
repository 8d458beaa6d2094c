// The Kubernetes API test double behaves like the API server where costopt depends on it, so
// tests against it mean something: status subresource, generation, finalizers, conflicts,
// read-only workloads, missing API groups, data-driven registration of new resources, and the
// list/watch contract (410 Gone, bookmarks, timeoutSeconds, resourceVersion semantics,
// pagination, no-op writes, selectors, 429).

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeKubeApi } from "../support/kube-api.js";
import { waitFor } from "../support/wait.js";

let api: FakeKubeApi;
beforeEach(async () => {
  api = new FakeKubeApi();
  await api.start();
});
afterEach(() => api.stop());

const CR = "/apis/costopt.dev/v1/namespaces/shop/costoptimizations";
const call = async (method: string, path: string, body?: unknown, type = "application/json") => {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: { "content-type": type },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: API server JSON of many shapes, probed by path in assertions.
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};
const cr = {
  apiVersion: "costopt.dev/v1",
  kind: "CostOptimization",
  metadata: { name: "web" },
  spec: { a: 1 },
};

describe("the Kubernetes API test double", () => {
  it("keeps status apart from spec, and raises generation only on spec changes", async () => {
    expect((await call("POST", CR, cr)).status).toBe(201);
    const merge = "application/merge-patch+json";
    await call("PATCH", `${CR}/web`, { spec: { a: 2 }, status: { phase: "Hacked" } }, merge);
    let obj = (await call("GET", `${CR}/web`)).body;
    expect(obj.metadata.generation).toBe(2);
    expect(obj.status).toBeUndefined();
    await call("PATCH", `${CR}/web/status`, { status: { phase: "Ready" }, spec: { a: 9 } }, merge);
    obj = (await call("GET", `${CR}/web`)).body;
    expect([obj.metadata.generation, obj.spec.a, obj.status.phase]).toEqual([2, 2, "Ready"]);
    const json = "application/json-patch+json";
    await call("PATCH", `${CR}/web`, [{ op: "replace", path: "/spec/a", value: 3 }], json);
    expect((await call("GET", `${CR}/web`)).body.spec.a).toBe(3);
  });

  it("holds a deleted object with finalizers until the last one is removed", async () => {
    await call("POST", CR, { ...cr, metadata: { name: "web", finalizers: ["x/y"] } });
    const deleted = await call("DELETE", `${CR}/web`);
    expect(deleted.body.metadata.deletionTimestamp).toBeDefined();
    await call("PATCH", `${CR}/web`, { metadata: { finalizers: [] } }, "application/merge-patch+json");
    expect((await call("GET", `${CR}/web`)).status).toBe(404);
  });

  it("answers a stale resourceVersion with 409, workload writes with 403, unknown groups with 404", async () => {
    const created = (await call("POST", CR, cr)).body;
    await call("PATCH", `${CR}/web`, { spec: { a: 5 } }, "application/merge-patch+json");
    const stale = await call("PUT", `${CR}/web`, created);
    expect(stale.status).toBe(409);
    const write = await call("POST", "/apis/apps/v1/namespaces/shop/deployments", {
      metadata: { name: "web" },
    });
    expect(write.status).toBe(403);
    const argo = await call("GET", "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/web");
    expect(argo).toMatchObject({ status: 404, body: { kind: "Status", code: 404 } });
    expect(api.writes("/deployments")).toHaveLength(1);
  });

  it("serves any group/version/plural once registered", async () => {
    api.register({
      group: "argoproj.io",
      version: "v1alpha1",
      plural: "applications",
      kind: "Application",
      namespaced: true,
    });
    api.put("argoproj.io", "v1alpha1", "applications", {
      metadata: { name: "web", namespace: "argocd" },
      spec: {},
    });
    const list = await call("GET", "/apis/argoproj.io/v1alpha1/applications");
    expect(list.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(["web"]);
  });

  it("answers PUT without a resourceVersion with 422 for custom resources, and allows it for Leases", async () => {
    await call("POST", CR, cr);
    const put = await call("PUT", `${CR}/web`, { ...cr, spec: { a: 2 } });
    expect(put.status).toBe(422);
    expect(put.body.message).toContain(
      "metadata.resourceVersion: Invalid value: 0x0: must be specified for an update",
    );
    const LEASES = "/apis/coordination.k8s.io/v1/namespaces/shop/leases";
    await call("POST", LEASES, { metadata: { name: "l" }, spec: { holderIdentity: "a" } });
    expect(
      (await call("PUT", `${LEASES}/l`, { metadata: { name: "l" }, spec: { holderIdentity: "b" } })).status,
    ).toBe(200);
  });

  it("keeps the resourceVersion and sends no event for a write that changes nothing", async () => {
    const created = (await call("POST", CR, cr)).body;
    const events: string[] = [];
    const watch = await fetch(
      `${api.url}${CR}?watch=true&resourceVersion=${created.metadata.resourceVersion}`,
    );
    const reader = watch.body?.getReader();
    const merge = "application/merge-patch+json";
    const same = await call("PATCH", `${CR}/web`, { spec: { a: 1 } }, merge);
    expect(same.body.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    const replaced = await call("PUT", `${CR}/web`, created);
    expect(replaced.body.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    await call("PATCH", `${CR}/web`, { spec: { a: 2 } }, merge);
    // The first event on the stream is the real change: the no-op writes sent none.
    const text = new TextDecoder().decode((await reader?.read())?.value);
    for (const line of text.split("\n").filter(Boolean)) events.push(JSON.parse(line).object.spec.a);
    expect(events).toEqual([2]);
    await reader?.cancel();
  });

  it("matches set-based label selectors as the API server does", async () => {
    const labels: Record<string, Record<string, string>> = {
      a: { env: "prod", tier: "web" },
      b: { env: "dev", tier: "web" },
      c: { env: "staging" },
      d: {},
    };
    for (const [name, l] of Object.entries(labels))
      await call("POST", CR, { ...cr, metadata: { name, labels: l } });
    const names = async (sel: string) =>
      (await call("GET", `${CR}?labelSelector=${encodeURIComponent(sel)}`)).body.items.map(
        (i: { metadata: { name: string } }) => i.metadata.name,
      );
    expect(await names("env in (prod,dev)")).toEqual(["a", "b"]);
    expect(await names("env notin (prod,dev)")).toEqual(["c", "d"]);
    expect(await names("tier")).toEqual(["a", "b"]);
    expect(await names("!tier")).toEqual(["c", "d"]);
    expect(await names("env!=prod,tier")).toEqual(["b"]);
    expect(await names("env==staging")).toEqual(["c"]);
    expect((await call("GET", `${CR}?labelSelector=${encodeURIComponent("env in prod")}`)).status).toBe(400);
  });

  it("pages lists with limit and continue, and expires a continue token older than the compacted history", async () => {
    for (const name of ["a", "b", "c"]) await call("POST", CR, { ...cr, metadata: { name } });
    const first = (await call("GET", `${CR}?limit=2`)).body;
    expect(first.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(["a", "b"]);
    expect(first.metadata.remainingItemCount).toBe(1);
    const second = (
      await call("GET", `${CR}?limit=2&continue=${encodeURIComponent(first.metadata.continue)}`)
    ).body;
    expect(second.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(["c"]);
    expect(second.metadata.continue).toBeUndefined();
    // resourceVersion=0 is served from the cache, which ignores limit.
    expect((await call("GET", `${CR}?limit=2&resourceVersion=0`)).body.items).toHaveLength(3);
    await call("POST", CR, { ...cr, metadata: { name: "d" } });
    api.compact();
    const expired = await call(
      "GET",
      `${CR}?limit=2&continue=${encodeURIComponent(first.metadata.continue)}`,
    );
    expect(expired).toMatchObject({ status: 410, body: { reason: "Expired", code: 410 } });
  });

  it("starts a watch without a resourceVersion with the current objects, and refuses compacted history with 410", async () => {
    const created = (await call("POST", CR, cr)).body;
    await call("PATCH", `${CR}/web`, { spec: { a: 2 } }, "application/merge-patch+json");
    const lines = async (query: string) => {
      const res = await fetch(`${api.url}${CR}?watch=true&${query}`);
      const reader = res.body?.getReader();
      const text = new TextDecoder().decode((await reader?.read())?.value);
      await reader?.cancel();
      return text
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l));
    };
    for (const q of ["", "resourceVersion=0"]) {
      const events = await lines(q);
      expect(events.map((e) => [e.type, e.object.spec.a])).toEqual([["ADDED", 2]]);
    }
    expect((await lines(`resourceVersion=${created.metadata.resourceVersion}`)).map((e) => e.type)).toEqual([
      "MODIFIED",
    ]);
    api.compact();
    const gone = await lines(`resourceVersion=${created.metadata.resourceVersion}`);
    expect(gone).toMatchObject([{ type: "ERROR", object: { kind: "Status", code: 410, reason: "Expired" } }]);
  });

  it("sends bookmarks only to watches that asked for them, and ends a watch after timeoutSeconds", async () => {
    const created = (await call("POST", CR, cr)).body;
    const rv = created.metadata.resourceVersion;
    const open = async (query: string) =>
      (await fetch(`${api.url}${CR}?watch=true&resourceVersion=${rv}&${query}`)).body?.getReader();
    const plain = await open("");
    const marked = await open("allowWatchBookmarks=true");
    await waitFor(
      () => api.requests.filter((r) => r.path.includes("watch=true")).length === 2 || undefined,
      "both watches",
    );
    api.bookmark();
    await call("PATCH", `${CR}/web`, { spec: { a: 2 } }, "application/merge-patch+json");
    const types = async (reader: typeof plain) => {
      const seen: string[] = [];
      while (!seen.includes("MODIFIED")) {
        const text = new TextDecoder().decode((await reader?.read())?.value);
        for (const l of text.split("\n").filter(Boolean)) seen.push(JSON.parse(l).type);
      }
      return seen;
    };
    expect(await types(marked)).toEqual(["BOOKMARK", "MODIFIED"]);
    expect(await types(plain)).toEqual(["MODIFIED"]);
    await plain?.cancel();
    await marked?.cancel();
    // The server ends the stream by itself once timeoutSeconds have passed.
    const timed = await open("timeoutSeconds=1");
    let done = false;
    while (!done) done = (await timed?.read())?.done ?? true;
    expect(done).toBe(true);
  });

  it("answers 429 with Retry-After when throttling", async () => {
    api.throttleNext("GET", "/costoptimizations", 7);
    const res = await fetch(`${api.url}${CR}`);
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("7");
    expect(await res.json()).toMatchObject({ reason: "TooManyRequests", details: { retryAfterSeconds: 7 } });
  });
});
