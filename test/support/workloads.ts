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
  requests?: { cpu?: string; memory?: string };
  limits?: { cpu?: string; memory?: string };
}

/** One container of a manifest: its name, image and resources. */
export interface ManifestContainer extends ManifestResources {
  name: string;
  image?: string;
}

/**
 * The keys whose value `deploymentYaml` writes in flow style (`{ a: b }`) instead of block style:
 * "metadata" is the Deployment's, "podMetadata" the pod template's, "requests" means both
 * requests and limits.
 */
export type FlowKey =
  | "metadata"
  | "selector"
  | "matchLabels"
  | "podMetadata"
  | "podLabels"
  | "resources"
  | "requests";

export interface DeploymentYamlOptions extends ManifestResources {
  name?: string;
  /** null: no namespace line. */
  namespace?: string | null;
  /** Written verbatim: a string keeps a quirk such as a leading zero. */
  replicas?: number | string;
  /** selector and pod labels `app: <name>`. */
  labels?: boolean;
  /** The one container's name and image, when `containers` is not given. */
  container?: string;
  image?: string;
  containers?: ManifestContainer[];
  /** Lines written above `apiVersion`, e.g. "# shop frontend". */
  comment?: string;
  flow?: FlowKey[];
  /** `containers:` items at the key's own indent (`- name:`), as kubectl and kustomize write them. */
  indentlessSequences?: boolean;
}

const flowMap = (entries: [string, string | undefined][]) =>
  `{ ${entries
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${v}`)
    .join(", ")} }`;

const quantities = (r: { cpu?: string; memory?: string }) =>
  flowMap([
    ["cpu", r.cpu],
    ["memory", r.memory],
  ]);

function containerLines(c: ManifestContainer, indent: number, flow: Set<FlowKey>): string[] {
  const pad = " ".repeat(indent);
  const kinds = (["requests", "limits"] as const).filter((kind) => c[kind]);
  const resources = flow.has("resources")
    ? [`${pad}  resources: ${flowMap(kinds.map((kind) => [kind, quantities(c[kind] ?? {})]))}`]
    : [
        `${pad}  resources:`,
        ...kinds.flatMap((kind) => {
          const r = c[kind] ?? {};
          if (flow.has("requests")) return [`${pad}    ${kind}: ${quantities(r)}`];
          return [
            `${pad}    ${kind}:`,
            ...(r.cpu !== undefined ? [`${pad}      cpu: ${r.cpu}`] : []),
            ...(r.memory !== undefined ? [`${pad}      memory: ${r.memory}`] : []),
          ];
        }),
      ];
  return [`${pad}- name: ${c.name}`, ...(c.image ? [`${pad}  image: ${c.image}`] : []), ...resources];
}

/** `outer: { inner: { app: name } }` at `indent`, block style below the key that `flow` names. */
function appLabel(
  [outer, inner]: [FlowKey, FlowKey],
  name: string,
  indent: number,
  flow: Set<FlowKey>,
): string[] {
  const pad = " ".repeat(indent);
  const key = (k: FlowKey) => (k === "podMetadata" ? "metadata" : k === "podLabels" ? "labels" : k);
  const app = flowMap([["app", name]]);
  if (flow.has(outer)) return [`${pad}${key(outer)}: ${flowMap([[key(inner), app]])}`];
  if (flow.has(inner)) return [`${pad}${key(outer)}:`, `${pad}  ${key(inner)}: ${app}`];
  return [`${pad}${key(outer)}:`, `${pad}  ${key(inner)}:`, `${pad}    app: ${name}`];
}

/**
 * The Deployment manifest as the repository tests keep it in Git: shop/web with one container
 * "app" by default; selector and pod labels only when `labels` is set. Quantities are written
 * verbatim, so a quoted value or a trailing comment is part of the string ('"2"  # why').
 * Block style unless `flow` names the key; a test about a formatting quirk this cannot write
 * keeps its own text and says so.
 */
export function deploymentYaml(opts: DeploymentYamlOptions = { requests: { cpu: "500m" } }): string {
  const name = opts.name ?? "web";
  const flow = new Set(opts.flow ?? []);
  const namespace = opts.namespace === undefined ? "shop" : opts.namespace;
  const metadata = flow.has("metadata")
    ? [
        `metadata: ${flowMap([
          ["name", name],
          ["namespace", namespace ?? undefined],
        ])}`,
      ]
    : ["metadata:", `  name: ${name}`, ...(namespace !== null ? [`  namespace: ${namespace}`] : [])];
  const selector = opts.labels ? appLabel(["selector", "matchLabels"], name, 2, flow) : [];
  const podMetadata = opts.labels ? appLabel(["podMetadata", "podLabels"], name, 4, flow) : [];
  const containers = opts.containers ?? [
    { name: opts.container ?? "app", image: opts.image, requests: opts.requests, limits: opts.limits },
  ];
  return `${[
    ...(opts.comment !== undefined ? [opts.comment] : []),
    "apiVersion: apps/v1",
    "kind: Deployment",
    ...metadata,
    "spec:",
    ...(opts.replicas !== undefined ? [`  replicas: ${opts.replicas}`] : []),
    ...selector,
    "  template:",
    ...podMetadata,
    "    spec:",
    "      containers:",
    ...containers.flatMap((c) => containerLines(c, opts.indentlessSequences ? 6 : 8, flow)),
  ].join("\n")}\n`;
}
