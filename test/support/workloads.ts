// Builders for apps/v1 Deployments and their Pods as the API server returns them, for the
// Kubernetes test double (post-merge health, rollback verification).

export function deployment(opts: {
  name: string;
  namespace?: string;
  replicas?: number;
  cpu?: string;
  memory?: string;
  ready?: number;
  rolledOut?: boolean;
  generation?: number;
}) {
  const generation = opts.generation ?? 1;
  const replicas = opts.replicas ?? 2;
  const ready = opts.ready ?? replicas;
  const rolledOut = opts.rolledOut ?? true;
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: opts.name, namespace: opts.namespace ?? "shop", generation },
    spec: {
      replicas,
      selector: { matchLabels: { app: opts.name } },
      template: {
        metadata: { labels: { app: opts.name } },
        spec: {
          containers: [
            {
              name: "server",
              image: "example/server:1",
              resources: { requests: { cpu: opts.cpu ?? "500m", memory: opts.memory ?? "256Mi" } },
            },
          ],
        },
      },
    },
    status: {
      observedGeneration: generation,
      replicas,
      updatedReplicas: rolledOut ? replicas : 0,
      readyReplicas: ready,
      availableReplicas: ready,
    },
  };
}

export function pod(opts: {
  name: string;
  app: string;
  namespace?: string;
  restarts?: number;
  oomKilled?: boolean;
}) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: opts.name, namespace: opts.namespace ?? "shop", labels: { app: opts.app } },
    spec: { containers: [{ name: "server" }] },
    status: {
      containerStatuses: [
        {
          name: "server",
          ready: true,
          restartCount: opts.restarts ?? 0,
          lastState: opts.oomKilled ? { terminated: { reason: "OOMKilled", exitCode: 137 } } : {},
        },
      ],
    },
  };
}

/** One container's resources as written in a manifest (strings kept exactly as given). */
export interface ManifestResources {
  requests: { cpu?: string; memory?: string };
  limits?: { cpu?: string; memory?: string };
}

/**
 * The Deployment manifest as the repository tests keep it in Git: shop/web with one container
 * "app" by default; selector and pod labels only when `labels` is set. Every field is written in
 * block style, so a test that needs a comment or a quoting quirk writes that file itself.
 */
export function deploymentYaml(
  opts: {
    name?: string;
    namespace?: string;
    replicas?: number;
    labels?: boolean;
    container?: string;
    image?: string;
  } & ManifestResources = { requests: { cpu: "500m" } },
): string {
  const name = opts.name ?? "web";
  const resources = (kind: "requests" | "limits", r: { cpu?: string; memory?: string } | undefined) =>
    r
      ? [
          `            ${kind}:`,
          ...(r.cpu !== undefined ? [`              cpu: ${r.cpu}`] : []),
          ...(r.memory !== undefined ? [`              memory: ${r.memory}`] : []),
        ]
      : [];
  return `${[
    "apiVersion: apps/v1",
    "kind: Deployment",
    "metadata:",
    `  name: ${name}`,
    `  namespace: ${opts.namespace ?? "shop"}`,
    "spec:",
    ...(opts.replicas !== undefined ? [`  replicas: ${opts.replicas}`] : []),
    ...(opts.labels ? ["  selector:", "    matchLabels:", `      app: ${name}`] : []),
    "  template:",
    ...(opts.labels ? ["    metadata:", "      labels:", `        app: ${name}`] : []),
    "    spec:",
    "      containers:",
    `        - name: ${opts.container ?? "app"}`,
    ...(opts.image ? [`          image: ${opts.image}`] : []),
    "          resources:",
    ...resources("requests", opts.requests),
    ...resources("limits", opts.limits),
  ].join("\n")}\n`;
}
