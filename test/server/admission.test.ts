import { request } from "node:https";
import type { AddressInfo } from "node:net";
import fastJsonPatch from "fast-json-patch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INITIAL_STATUS, SPEC_DEFAULTS } from "../../src/api/defaults.js";
import { apiPath } from "../../src/kube/client.js";
import type { AdmissionOptions, AdmissionReview } from "../../src/server/admission.js";
import { admissionHandler, createAdmissionServer } from "../../src/server/admission-server.js";
import { cases, policy } from "../api/cases.js";
import { selfSignedCert } from "../support/tls.js";

let current: AdmissionOptions = {};
const tls = selfSignedCert();
const server = createAdmissionServer(
  tls,
  admissionHandler({
    get validation() {
      return current.validation;
    },
    lookupLabels: (ref) => current.lookupLabels?.(ref) ?? Promise.resolve(undefined),
  }),
);
let port = 0;

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function post(
  path: string,
  body: unknown,
): Promise<{ status: number; json: AdmissionReview & { message?: string } }> {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: "POST",
        ca: tls.cert,
        headers: { "content-type": "application/json" },
      },
      (res) => {
        let data = "";
        res.on("data", (c) => {
          data += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(data) }));
      },
    );
    req.on("error", reject);
    req.end(text);
  });
}

const review = (object: unknown, operation = "CREATE") => ({
  apiVersion: "admission.k8s.io/v1",
  kind: "AdmissionReview",
  request: { uid: "705ab4f5-6393-11e8-b7cc-42010a800002", operation, namespace: "shop", object },
});

describe("the validating admission webhook (AdmissionReview v1 over HTTPS)", () => {
  it.each(cases)(
    "$rule: allows the valid policy, denies the invalid one with the rule's message",
    async (c) => {
      const labels = c.opts?.workloadLabels;
      current = {
        validation: {
          protectedNamespaces: c.opts?.protectedNamespaces,
          protectedWorkloads: c.opts?.protectedWorkloads,
          protectedLabels: c.opts?.protectedLabels,
        },
      };
      current.lookupLabels = async () => (labels ? { app: "web" } : undefined);
      const ok = await post("/validate", review(c.accepted));
      expect(ok.status).toBe(200);
      expect(ok.json.response).toMatchObject({ uid: "705ab4f5-6393-11e8-b7cc-42010a800002", allowed: true });
      expect(ok.json.response?.status).toBeUndefined();

      current.lookupLabels = async () => labels;
      const denied = await post("/validate", review(c.rejected));
      expect(denied.json.response?.allowed).toBe(false);
      expect(denied.json.response?.status?.code).toBe(422);
      expect(denied.json.response?.status?.message).toContain(c.message);
    },
  );

  it("lists every violation, with a cause per field, in the API server's words", async () => {
    current = {};
    const res = await post("/validate", review(policy({ maxChangePercent: 120, minConfidence: 2 })));
    expect(res.json.response?.status?.message).toBe(
      "[spec.maxChangePercent: Invalid value: 120: must be between 1 and 100, spec.minConfidence: Invalid value: 2: must be between 0.0 and 1.0]",
    );
    expect(res.json.response?.status?.details?.causes.map((c) => c.field)).toEqual([
      "spec.maxChangePercent",
      "spec.minConfidence",
    ]);
  });

  it("passes unknown-field warnings through, and allows deletes", async () => {
    current = {};
    const res = await post("/validate", review(policy({ maxChangePercnt: 20 })));
    expect(res.json.response?.allowed).toBe(true);
    expect(res.json.response?.warnings?.[0]).toContain("maxChangePercnt");
    const del = await post("/validate", review(undefined, "DELETE"));
    expect(del.json.response?.allowed).toBe(true);
  });

  it("never refuses an update that leaves spec alone, so a finalizer can always be released", async () => {
    current = { validation: { protectedNamespaces: ["shop"] } };
    const stored = policy();
    const released = { ...stored, metadata: { ...(stored.metadata as object), finalizers: [] } };
    const update = (object: unknown) => {
      const r = review(object, "UPDATE");
      return { ...r, request: { ...r.request, oldObject: stored } };
    };
    expect((await post("/validate", update(released))).json.response?.allowed).toBe(true);
    const changed = { ...stored, spec: { ...(stored.spec as object), maxChangePercent: 30 } };
    expect((await post("/validate", update(changed))).json.response?.allowed).toBe(false);
  });

  it("answers a malformed review with 400 rather than a decision", async () => {
    expect((await post("/validate", "{")).status).toBe(400);
    expect((await post("/validate", { kind: "AdmissionReview" })).status).toBe(400);
  });
});

describe("hostile admission requests get a 400 or a denial, never a 500, a reset or a stray API call", () => {
  it("never turns a `../` namespace into an API path for the label lookup, and denies the policy", async () => {
    const asked: unknown[] = [];
    current = {
      lookupLabels: async (ref) => {
        asked.push(ref);
        return {};
      },
    };
    const traversal = "../../api/v1/namespaces/kube-system/secrets";
    const res = await post(
      "/validate",
      review(policy({ targetWorkload: { name: "web", kind: "Deployment", namespace: traversal } })),
    );
    expect(res.status).toBe(200);
    expect(res.json.response?.allowed).toBe(false);
    expect(asked).toEqual([]);
    const name = await post(
      "/validate",
      review(policy({ targetWorkload: { name: "../secrets/x", kind: "Deployment" } })),
    );
    expect(name.json.response?.allowed).toBe(false);
    expect(asked).toEqual([]);
    // Where a namespace does reach a path, it stays one encoded segment.
    expect(apiPath({ group: "apps", version: "v1", plural: "deployments", namespaced: true }, "../x")).toBe(
      "/apis/apps/v1/namespaces/..%2Fx/deployments",
    );
  });

  it("answers a deeply nested object with 400 (not 500 from a stack overflow)", async () => {
    for (const depth of [1_000, 200_000]) {
      const object = `{"a":${"[".repeat(depth)}${"]".repeat(depth)}}`;
      const body = `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","operation":"CREATE","object":${object}}}`;
      const res = await post("/validate", body);
      expect(res.status).toBe(400);
      expect(res.json.message).toMatch(/nested deeper than 64 levels|not JSON/);
    }
  });

  it("answers a body over 3 MiB with 400, not a reset connection", async () => {
    const res = await post("/validate", `{"pad":"${"x".repeat(4 * 2 ** 20)}"}`);
    expect(res).toEqual({ status: 400, json: { message: "AdmissionReview larger than 3 MiB" } });
  });

  it("denies a policy that targets another namespace, unless it lives in a policy admin namespace", async () => {
    current = { validation: { policyAdminNamespaces: ["platform"] } };
    const elsewhere = { targetWorkload: { name: "web", kind: "Deployment", namespace: "payments" } };
    const denied = await post("/validate", review(policy(elsewhere)));
    expect(denied.json.response).toMatchObject({ allowed: false });
    expect(denied.json.response?.status?.details?.causes).toEqual([
      {
        reason: "FieldValueForbidden",
        field: "spec.targetWorkload.namespace",
        message:
          'spec.targetWorkload.namespace: Forbidden: a policy in namespace "shop" may only target workloads in "shop" (policies in platform may target any namespace)',
      },
    ]);
    const admin = await post("/validate", review(policy(elsewhere, { namespace: "platform" })));
    expect(admin.json.response?.allowed).toBe(true);
  });

  it("denies a spec.source.repository outside the allow-list", async () => {
    current = { validation: { allowedRepositories: ["acme/deploy"] } };
    const other = await post("/validate", review(policy({ source: { repository: "mallory/anything" } })));
    expect(other.json.response?.status?.message).toBe(
      'spec.source.repository: Forbidden: repository "mallory/anything" is not in the allowed repositories (acme/deploy)',
    );
    const ok = await post("/validate", review(policy({ source: { repository: "ACME/deploy" } })));
    expect(ok.json.response?.allowed).toBe(true);
  });
});

describe("the mutating admission webhook", () => {
  it("returns a JSONPatch that applies cleanly and adds defaults, the managed-by label and an initial status", async () => {
    const obj = policy({ maxChangePercent: 20 });
    const res = await post("/mutate", review(obj));
    const r = res.json.response;
    expect(r).toMatchObject({ allowed: true, patchType: "JSONPatch" });
    const ops = JSON.parse(Buffer.from(r?.patch ?? "", "base64").toString("utf8"));
    expect(fastJsonPatch.validate(ops, obj)).toBeUndefined();
    const out = fastJsonPatch.applyPatch(structuredClone(obj), ops, true, false).newDocument as {
      metadata: { labels: Record<string, string> };
      spec: Record<string, unknown>;
      status: unknown;
    };
    expect(out.metadata.labels).toEqual({ "app.kubernetes.io/managed-by": "costopt" });
    expect(out.spec).toEqual({ ...SPEC_DEFAULTS, ...(obj.spec as object), maxChangePercent: 20 });
    expect(out.status).toEqual(INITIAL_STATUS);
  });

  it("sends no patch when nothing is missing", async () => {
    const full: Record<string, unknown> = { ...policy(SPEC_DEFAULTS), status: INITIAL_STATUS };
    (full.metadata as Record<string, unknown>).labels = { "app.kubernetes.io/managed-by": "costopt" };
    const res = await post("/mutate", review(full));
    expect(res.json.response).toEqual({ uid: "705ab4f5-6393-11e8-b7cc-42010a800002", allowed: true });
  });
});
