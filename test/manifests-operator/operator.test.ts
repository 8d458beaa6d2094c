import { readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { costoptApp } from "../../src/app.js";
import { DISCOVERY_RBAC_RULES } from "../../src/discovery/rbac.js";
import { MemoryStore } from "../../src/state/memory.js";
import { TEST_KEY } from "../support/metadata-key.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "../../manifests/operator");
// biome-ignore lint/suspicious/noExplicitAny: Kubernetes documents of many shapes, probed by path in assertions.
type Obj = Record<string, any>;

function load(file: string): Obj[] {
  return parseAllDocuments(readFileSync(join(root, file), "utf8")).map((d) => d.toJS() as Obj);
}
const kustomization = load("kustomization.yaml")[0] as { resources: string[] };
const objects = kustomization.resources.filter((r) => r.endsWith(".yaml")).flatMap(load);
const find = (kind: string, name?: string) =>
  objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));

const WRITE = new Set(["create", "update", "patch", "delete", "deletecollection", "*"]);
// Core workload resources; costopt changes workloads only through Git.
const CORE_WORKLOADS = new Set(["pods", "replicationcontrollers", "services", "configmaps", "secrets", "*"]);

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}
const rules = [...find("ClusterRole"), ...find("Role")].flatMap((r) =>
  (r.rules as Rule[]).map((rule) => ({ ...rule, role: r.metadata.name as string })),
);

describe("the operator's RBAC", () => {
  it("grants no write verb on apps/*, batch/*, autoscaling, policy or core workload resources", () => {
    const offending = rules.flatMap((r) => {
      if (!r.verbs.some((v) => WRITE.has(v))) return [];
      const bad = r.apiGroups.flatMap((g) =>
        ["apps", "batch", "autoscaling", "policy", "*"].includes(g)
          ? r.resources.map((res) => `${g}/${res}`)
          : g === ""
            ? r.resources
                .filter((res) => CORE_WORKLOADS.has(res.split("/")[0] as string))
                .map((res) => `core/${res}`)
            : [],
      );
      return bad.map((b) => `${r.role}: ${r.verbs.join(",")} on ${b}`);
    });
    expect(offending).toEqual([]);
  });

  it("writes only CostOptimizations (and their status and finalizers), Events and Leases", () => {
    const writable = rules
      .filter((r) => r.verbs.some((v) => WRITE.has(v)))
      .flatMap((r) => r.apiGroups.flatMap((g) => r.resources.map((res) => `${g || "core"}/${res}`)))
      .sort();
    expect(writable).toEqual([
      "coordination.k8s.io/leases",
      "core/events",
      "costopt.dev/costoptimizations",
      "costopt.dev/costoptimizations/finalizers",
      "costopt.dev/costoptimizations/status",
      "events.k8s.io/events",
    ]);
  });

  it("reads workloads, pods, PDBs and HPAs", () => {
    const readable = new Set(
      rules
        .filter((r) => ["get", "list", "watch"].every((v) => r.verbs.includes(v)))
        .flatMap((r) => r.apiGroups.flatMap((g) => r.resources.map((res) => `${g || "core"}/${res}`))),
    );
    for (const res of [
      "apps/deployments",
      "apps/statefulsets",
      "apps/daemonsets",
      "core/pods",
      "policy/poddisruptionbudgets",
      "autoscaling/horizontalpodautoscalers",
    ]) {
      expect(readable).toContain(res);
    }
  });

  it("includes the read-only rules Git source discovery needs, verbatim", () => {
    for (const rule of DISCOVERY_RBAC_RULES) {
      expect(find("ClusterRole", "costopt")[0]?.rules).toContainEqual(rule);
    }
  });

  it("scopes the Lease write to costopt's own namespace", () => {
    const [role] = find("Role");
    expect(role?.metadata.namespace).toBe("costopt-system");
    expect(
      find("ClusterRole")
        .flatMap((r) => r.rules as Rule[])
        .flatMap((r) => r.resources),
    ).not.toContain("leases");
  });
});

describe("the operator Deployment", () => {
  const [dep] = find("Deployment", "costopt");
  const c = dep?.spec.template.spec.containers[0];

  it("runs two non-root replicas with a read-only root filesystem and the requested resources", () => {
    expect(dep?.spec.replicas).toBe(2);
    expect(dep?.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    expect(c.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
    expect(c.resources).toEqual({
      requests: { cpu: "100m", memory: "128Mi" },
      limits: { cpu: "500m", memory: "512Mi" },
    });
  });

  it("probes /healthz and /readyz on the HTTP port and mounts the webhook certificate", () => {
    expect(c.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "http" });
    expect(c.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "http" });
    expect(c.ports).toEqual([
      { name: "http", containerPort: 8080 },
      { name: "webhook", containerPort: 8443 },
      { name: "metrics", containerPort: 9102 },
    ]);
    const secret = find("Certificate", "costopt-webhook")[0]?.spec.secretName;
    expect(dep?.spec.template.spec.volumes).toContainEqual({ name: "tls", secret: { secretName: secret } });
  });

  it("serves /metrics on its own port, which a NetworkPolicy opens only to the monitoring namespace", () => {
    expect(c.env).toContainEqual({ name: "METRICS_PORT", value: "9102" });
    const [policy] = find("NetworkPolicy", "costopt");
    expect(policy?.spec.podSelector.matchLabels).toEqual(dep?.spec.selector.matchLabels);
    expect(policy?.spec.policyTypes).toEqual(["Ingress", "Egress"]);
    const ingress = (policy?.spec.ingress ?? []) as { from?: unknown[]; ports: { port: string }[] }[];
    // Webhooks and admission from anywhere (no stable source address); metrics from monitoring only.
    expect(ingress.find((r) => r.ports.some((p) => p.port === "http"))?.from).toBeUndefined();
    expect(ingress.find((r) => r.ports.some((p) => p.port === "metrics"))).toEqual({
      from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }],
      ports: [{ port: "metrics" }],
    });
    const egressPorts = ((policy?.spec.egress ?? []) as { ports: { port: number }[] }[]).flatMap((r) =>
      r.ports.map((p) => p.port),
    );
    expect([...new Set(egressPorts)].sort((a, b) => a - b)).toEqual([53, 443, 6379, 6443, 9090]);
  });

  it("builds on a base image pinned by digest", () => {
    const from = readFileSync(join(root, "../../Dockerfile"), "utf8").match(/^FROM \S+/gm) ?? [];
    expect(from.length).toBeGreaterThan(0);
    for (const line of from) expect(line).toMatch(/^FROM [^@\s]+@sha256:[0-9a-f]{64}$/);
  });

  it("is covered by a PodDisruptionBudget that keeps one replica", () => {
    const [pdb] = find("PodDisruptionBudget");
    expect(pdb?.spec.minAvailable).toBe(1);
    expect(pdb?.spec.selector.matchLabels).toEqual(dep?.spec.selector.matchLabels);
  });
});

describe("the admission webhook configurations", () => {
  it("validate and mutate CostOptimizations through the HTTPS Service, failing closed", () => {
    const [v] = find("ValidatingWebhookConfiguration");
    const [m] = find("MutatingWebhookConfiguration");
    expect(v?.webhooks[0]).toMatchObject({
      failurePolicy: "Fail",
      admissionReviewVersions: ["v1"],
      sideEffects: "None",
      clientConfig: { service: { name: "costopt-webhook", path: "/validate", port: 443 } },
    });
    expect(m?.webhooks[0].clientConfig.service.path).toBe("/mutate");
    const svc = find("Service", "costopt-webhook")[0];
    expect(svc?.spec.ports[0]).toMatchObject({ port: 443, targetPort: "webhook" });
    const cert = find("Certificate", "costopt-webhook")[0];
    expect(cert?.spec.dnsNames).toContain("costopt-webhook.costopt-system.svc");
    expect(v?.metadata.annotations["cert-manager.io/inject-ca-from"]).toBe("costopt-system/costopt-webhook");
    expect(find("Issuer", cert?.spec.issuerRef.name)).toHaveLength(1);
  });

  it("includes the CRD from crds/, through a folder kustomize accepts (one with its own kustomization.yaml)", () => {
    // kustomize refuses a file outside the kustomization's folder; a folder with a kustomization is fine.
    const build = (dir: string): Obj[] => {
      const k = parseAllDocuments(readFileSync(join(dir, "kustomization.yaml"), "utf8"))[0]?.toJS() as {
        resources: string[];
      };
      return k.resources.flatMap((r) => {
        const path = join(dir, r);
        if (statSync(path).isDirectory()) return build(path);
        expect(r.startsWith("..")).toBe(false);
        return parseAllDocuments(readFileSync(path, "utf8")).map((d) => d.toJS() as Obj);
      });
    };
    const crds = build(root).filter((o) => o.kind === "CustomResourceDefinition");
    expect(crds.map((c) => c.metadata.name)).toEqual(["costoptimizations.costopt.dev"]);
  });
});

describe("app.yml, the GitHub App manifest", () => {
  const manifest = parseAllDocuments(readFileSync(join(root, "../../app.yml"), "utf8"))[0]?.toJS() as Obj;

  it("subscribes to every event the app handles (installation events come to every app)", () => {
    const handled: string[] = [];
    costoptApp({ store: new MemoryStore(), metadataKey: TEST_KEY, resolvePolicy: async () => undefined })({
      on: (events: string | string[]) => handled.push(...[events].flat()),
    } as never);
    const needed = [...new Set(handled.map((e) => e.split(".")[0] as string))].filter(
      (e) => !e.startsWith("installation"),
    );
    expect(needed.sort()).toEqual([...manifest.default_events].sort());
  });

  it("asks for write access only to contents, pull requests, its dashboard issue and its check", () => {
    expect(manifest.default_permissions).toEqual({
      contents: "write",
      pull_requests: "write",
      metadata: "read",
      issues: "write",
      checks: "write",
    });
  });

  it("holds the permission each subscribed event is delivered under", () => {
    // GitHub delivers an event only to an app holding its permission (GitHub's docs, "Webhook
    // events and payloads"): issue_comment needs Issues even on pull requests.
    const needs: Record<string, string> = {
      issue_comment: "issues",
      issues: "issues",
      pull_request: "pull_requests",
      push: "contents",
    };
    for (const event of manifest.default_events as string[])
      expect(manifest.default_permissions[needs[event] ?? `? ${event}`], event).toMatch(/^(read|write)$/);
  });
});
