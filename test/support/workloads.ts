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
