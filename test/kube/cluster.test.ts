// costopt's Kubernetes client (@kubernetes/client-node underneath) reaches the API the way
// users' clusters are reached: through a kubeconfig file, with a bearer token or a client
// certificate, picking the context asked for; it pages through long lists and waits as long
// as a 429's Retry-After says.

import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { WatchEvent } from "../../src/kube/client.js";
import { ClusterClient, connect, loadKubeConfig } from "../../src/kube/cluster.js";
import { COSTOPTIMIZATIONS, WORKLOADS } from "../../src/kube/resources.js";
import { FakeKubeApi, type FakeKubeApiOptions, kubeFor } from "../support/kube-api.js";
import { clientCertificate, selfSignedCert } from "../support/tls.js";
import { waitFor } from "../support/wait.js";
import { deployment } from "../support/workloads.js";

const G = ["costopt.dev", "v1", "costoptimizations"] as const;
const cr = (name: string, namespace = "shop") => ({
  metadata: { name, namespace },
  spec: { targetWorkload: { name, kind: "Deployment" } },
});

let api: FakeKubeApi | undefined;
afterEach(async () => {
  await api?.stop();
  api = undefined;
});

async function httpsApi(auth: FakeKubeApiOptions["auth"]) {
  const server = selfSignedCert();
  api = new FakeKubeApi(undefined, {
    tls: { cert: server.cert, key: readFileSync(server.keyFile) },
    ...(auth ? { auth } : {}),
  });
  await api.start();
  api.put(...G, cr("web"));
  return api;
}

describe("reaching the API through a kubeconfig", () => {
  it("authenticates with the kubeconfig's bearer token over HTTPS, trusting only its CA", async () => {
    const a = await httpsApi({ tokens: ["s3cret"] });
    const kube = connect({ kubeconfig: a.kubeconfig({ token: "s3cret" }) });
    const list = await kube.list(COSTOPTIMIZATIONS, "shop");
    expect(list.items.map((p) => p.metadata.name)).toEqual(["web"]);
    expect(a.requests.at(-1)?.client).toBe("s3cret");
    // A wrong token is refused, and the error says so.
    await expect(
      connect({ kubeconfig: a.kubeconfig({ token: "wrong" }) }).list(COSTOPTIMIZATIONS),
    ).rejects.toMatchObject({
      code: 401,
    });
  });

  it("authenticates with the kubeconfig's client certificate", async () => {
    const client = clientCertificate("costopt-operator");
    const a = await httpsApi({ clientCa: client.ca });
    const kube = connect({ kubeconfig: a.kubeconfig({ cert: client }) });
    expect((await kube.get(COSTOPTIMIZATIONS, "shop", "web"))?.metadata.name).toBe("web");
    expect(a.requests.at(-1)?.client).toBe("cert:costopt-operator");
    // Without it the same server answers 401.
    await expect(
      connect({ kubeconfig: a.kubeconfig() }).get(COSTOPTIMIZATIONS, "shop", "web"),
    ).rejects.toMatchObject({
      code: 401,
    });
  });

  it("gets its token from an exec credential plugin, as EKS, GKE and AKS kubeconfigs do", async () => {
    api = new FakeKubeApi(undefined, { auth: { tokens: ["from-plugin"] } });
    await api.start();
    api.put(...G, cr("web"));
    const plugin = join(mkdtempSync(join(tmpdir(), "costopt-exec-")), "get-token");
    const credential = {
      apiVersion: "client.authentication.k8s.io/v1beta1",
      kind: "ExecCredential",
      status: { token: "from-plugin" },
    };
    writeFileSync(plugin, `#!/bin/sh\necho '${JSON.stringify(credential)}'\n`, { mode: 0o755 });
    const kube = connect({ kubeconfig: api.kubeconfig({ exec: { command: plugin } }) });
    expect((await kube.list(COSTOPTIMIZATIONS)).items).toHaveLength(1);
    expect(api.requests.at(-1)?.client).toBe("from-plugin");
  });

  it("sends an OIDC auth-provider's unexpired id-token as the bearer token, without asking the issuer", async () => {
    // A JWT whose exp (2100-01-01) lies beyond any test run; client-node checks only exp before
    // using it, and the issuer in the kubeconfig does not resolve, so no refresh could succeed.
    const b64url = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const idToken = `${b64url({ alg: "RS256", typ: "JWT" })}.${b64url({ iss: "https://issuer.invalid", sub: "alice", exp: 4102444800 })}.c2ln`;
    const a = await httpsApi({ tokens: [idToken] });
    const kube = connect({ kubeconfig: a.kubeconfig({ oidc: { idToken } }) });
    expect((await kube.list(COSTOPTIMIZATIONS, "shop")).items.map((p) => p.metadata.name)).toEqual(["web"]);
    expect(a.requests.at(-1)?.client).toBe(idToken);
  });

  it("in a pod, uses the service account's CA and rotating token file", () => {
    const kc = loadKubeConfig({
      env: { KUBERNETES_SERVICE_HOST: "fd00::1", KUBERNETES_SERVICE_PORT: "443", HOME: "/nonexistent" },
    });
    expect(kc.getCurrentCluster()).toMatchObject({
      server: "https://[fd00::1]:443",
      caFile: "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt",
      skipTLSVerify: false,
    });
    expect(kc.getCurrentUser()?.authProvider).toEqual({
      name: "tokenFile",
      config: { tokenFile: "/var/run/secrets/kubernetes.io/serviceaccount/token" },
    });
  });

  it("uses the current context, or the one asked for, and names the contexts it has when asked for another", async () => {
    api = new FakeKubeApi();
    await api.start();
    api.put(...G, cr("web"));
    const file = api.kubeconfig({ context: "staging", extraContexts: ["prod"], token: "staging-token" });
    // KUBECONFIG as kubectl reads it; the current-context is "staging".
    const fromEnv = connect({ env: { KUBECONFIG: file, HOME: "/nonexistent" } });
    expect(fromEnv.describe()).toBe(`context staging (${api.url})`);
    expect((await fromEnv.list(COSTOPTIMIZATIONS)).items).toHaveLength(1);
    // --context prod points at a server that is not there: proof that the context is honoured.
    const prod = connect({ kubeconfig: file, context: "prod" });
    expect(prod.describe()).toBe("context prod (http://127.0.0.1:1)");
    await expect(prod.list(COSTOPTIMIZATIONS)).rejects.toThrow();
    expect(() => loadKubeConfig({ kubeconfig: file, context: "dev" })).toThrow(
      'context "dev" is not in the kubeconfig (it has: staging, prod)',
    );
    expect(() => loadKubeConfig({ kubeconfig: "/nonexistent/config" })).toThrow(
      "--kubeconfig /nonexistent/config: no such file",
    );
  });
});

describe("requests", () => {
  it("reuse one connection instead of a TLS handshake per request", async () => {
    const a = await httpsApi({ tokens: ["s3cret"] });
    const kube = connect({ kubeconfig: a.kubeconfig({ token: "s3cret" }) });
    for (let i = 0; i < 10; i++) await kube.get(COSTOPTIMIZATIONS, "shop", "web");
    await kube.mergePatch(COSTOPTIMIZATIONS, "shop", "web", { metadata: { labels: { seen: "yes" } } });
    expect(a.requests).toHaveLength(11);
    expect(a.connections).toBe(1);
  });

  it("pages through a long list with limit and continue, returning every item once", async () => {
    api = new FakeKubeApi();
    await api.start();
    for (let i = 0; i < 7; i++) api.put(...G, cr(`p${i}`));
    const kube = kubeFor(api.url, undefined, { pageSize: 3 });
    const list = await kube.list(COSTOPTIMIZATIONS, "shop");
    expect(list.items.map((p) => p.metadata.name)).toEqual(["p0", "p1", "p2", "p3", "p4", "p5", "p6"]);
    const pages = api.requests.filter((r) => r.path.includes("costoptimizations"));
    expect(pages).toHaveLength(3);
    expect(pages.every((r) => r.path.includes("limit=3"))).toBe(true);
    expect(pages.slice(1).every((r) => r.path.includes("continue="))).toBe(true);
  });

  it("waits as long as a 429's Retry-After says, then succeeds", async () => {
    api = new FakeKubeApi();
    await api.start();
    api.put(...G, cr("web"));
    const waits: number[] = [];
    const kube = kubeFor(api.url, undefined, { sleep: async (ms) => void waits.push(ms) });
    api.throttleNext("GET", "/costoptimizations", 3, 2);
    expect((await kube.get(COSTOPTIMIZATIONS, "shop", "web"))?.metadata.name).toBe("web");
    expect(waits).toEqual([3000, 3000]);
    expect(api.requests.map((r) => r.status)).toEqual([429, 429, 200]);
  });

  it("waits out a 429 between the pages of a list and carries on from the same page", async () => {
    api = new FakeKubeApi();
    await api.start();
    for (let i = 0; i < 5; i++) api.put(...G, cr(`p${i}`));
    const waits: number[] = [];
    const kube = kubeFor(api.url, undefined, { pageSize: 2, sleep: async (ms) => void waits.push(ms) });
    // The first page is served; the next is refused twice, as API Priority and Fairness may.
    api.throttleNext("GET", "continue=", 4, 2);
    const { items } = await kube.list(COSTOPTIMIZATIONS, "shop");
    expect(items.map((p) => p.metadata.name)).toEqual(["p0", "p1", "p2", "p3", "p4"]);
    expect(waits).toEqual([4000, 4000]);
    const pages = api.requests.map(
      (r) => `${r.status}${r.path.includes("continue=") ? " continue" : " first"}`,
    );
    expect(pages).toEqual(["200 first", "429 continue", "429 continue", "200 continue", "200 continue"]);
  });

  it("waits out a 429 on a typed list too (workloads, as the scan reads them)", async () => {
    api = new FakeKubeApi();
    await api.start();
    api.put("apps", "v1", "deployments", deployment({ name: "web", cpu: "500m" }));
    const waits: number[] = [];
    const kube = kubeFor(api.url, undefined, { sleep: async (ms) => void waits.push(ms) });
    api.throttleNext("GET", "/deployments", 2);
    const [web] = await kube.listOf("Deployment");
    expect(waits).toEqual([2000]);
    // A typed model, with the kind a list item lacks on a real API server set.
    expect(web?.kind).toBe("Deployment");
    expect(web?.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(web?.spec?.template.spec?.containers[0]?.resources?.requests?.cpu).toBe("500m");
  });

  it("gives up after its retries with the server's 429 message", async () => {
    api = new FakeKubeApi();
    await api.start();
    const kube = new ClusterClient(kubeFor(api.url).config, { sleep: async () => {}, maxRetries: 1 });
    api.throttleNext("GET", "/deployments", 1, 5);
    await expect(kube.list(WORKLOADS.Deployment, "shop")).rejects.toMatchObject({
      code: 429,
      message: "Too many requests, please try again later.",
    });
    expect(api.requests).toHaveLength(2);
  });

  it("refuses to write core objects other than Events, before any request", async () => {
    api = new FakeKubeApi();
    await api.start();
    const kube = kubeFor(api.url);
    const pods = { group: "", version: "v1", plural: "pods", namespaced: true };
    await expect(kube.mergePatch(pods, "shop", "p", {})).rejects.toMatchObject({ code: 405 });
    await expect(kube.create(pods, "shop", { metadata: { name: "p" } })).rejects.toMatchObject({ code: 405 });
    expect(api.requests).toHaveLength(0);
  });
});

describe("watches", () => {
  const watchRequests = (a: FakeKubeApi) => a.requests.filter((r) => r.path.includes("watch=true"));

  it("open only after a 429's Retry-After has passed, then stream the events", async () => {
    api = new FakeKubeApi();
    await api.start();
    const a = api;
    const waits: number[] = [];
    let endWait: (() => void) | undefined;
    const kube = kubeFor(api.url, undefined, {
      sleep: (ms) => {
        waits.push(ms);
        return new Promise<void>((resolve) => {
          endWait = resolve;
        });
      },
    });
    api.throttleNext("GET", "/costoptimizations", 7);
    const events: WatchEvent[] = [];
    const stop = new AbortController();
    const watching = kube.watch(
      COSTOPTIMIZATIONS,
      "shop",
      { resourceVersion: api.resourceVersion, timeoutSeconds: 60 },
      (e) => events.push(e),
      stop.signal,
    );
    await waitFor(() => endWait, "the wait after the 429");
    expect(waits).toEqual([7000]);
    // While waiting, nothing more was asked of the server.
    expect(watchRequests(a).map((r) => r.status)).toEqual([429]);
    endWait?.();
    await waitFor(() => watchRequests(a).length === 2 || undefined, "the watch opened again");
    expect(watchRequests(a).map((r) => r.status)).toEqual([429, 200]);
    api.put(...G, cr("web"));
    await waitFor(() => events.length > 0 || undefined, "the ADDED event");
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(["ADDED web"]);
    stop.abort();
    await watching;
  });

  it("stopped while waiting out a Retry-After, end at once without another request", async () => {
    api = new FakeKubeApi();
    await api.start();
    const a = api;
    api.throttleNext("GET", "/costoptimizations", 600);
    const stop = new AbortController();
    // The real, abortable wait: ten minutes, unless stopped.
    const watching = kubeFor(api.url).watch(
      COSTOPTIMIZATIONS,
      "shop",
      { resourceVersion: api.resourceVersion, timeoutSeconds: 60 },
      () => {},
      stop.signal,
    );
    await waitFor(() => watchRequests(a).length === 1 || undefined, "the throttled watch request");
    stop.abort();
    await watching;
    expect(watchRequests(a).map((r) => r.status)).toEqual([429]);
  });

  it("give up after their retries with the server's 429 message, and report other errors as they are", async () => {
    api = new FakeKubeApi();
    await api.start();
    const kube = kubeFor(api.url, undefined, { sleep: async () => {}, maxRetries: 1 });
    const opts = { resourceVersion: "1", timeoutSeconds: 60 };
    api.throttleNext("GET", "/costoptimizations", 1, 2);
    await expect(
      kube.watch(COSTOPTIMIZATIONS, "shop", opts, () => {}, new AbortController().signal),
    ).rejects.toMatchObject({ code: 429, message: "Too many requests, please try again later." });
    api.failNext("GET", "/costoptimizations", 403);
    await expect(
      kube.watch(COSTOPTIMIZATIONS, "shop", opts, () => {}, new AbortController().signal),
    ).rejects.toMatchObject({ code: 403, message: "injected fault" });
  });

  it("carry the kubeconfig's client certificate and trust only its CA, as every other request", async () => {
    const client = clientCertificate("costopt-operator");
    const a = await httpsApi({ clientCa: client.ca });
    const kube = connect({ kubeconfig: a.kubeconfig({ cert: client }) });
    const events: WatchEvent[] = [];
    const stop = new AbortController();
    const watching = kube.watch(
      COSTOPTIMIZATIONS,
      "shop",
      { resourceVersion: "0", timeoutSeconds: 60 },
      (e) => events.push(e),
      stop.signal,
    );
    await waitFor(() => events.length > 0 || undefined, "the synthetic ADDED event");
    expect(events[0]?.object.metadata.name).toBe("web");
    expect(watchRequests(a).at(-1)?.client).toBe("cert:costopt-operator");
    stop.abort();
    await watching;
    // Without the certificate the watch is refused like any request.
    await expect(
      connect({ kubeconfig: a.kubeconfig() }).watch(
        COSTOPTIMIZATIONS,
        "shop",
        { resourceVersion: "0", timeoutSeconds: 60 },
        () => {},
        new AbortController().signal,
      ),
    ).rejects.toMatchObject({ code: 401 });
  });
});
