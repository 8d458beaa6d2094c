// Test cases as folders (testdata/<case>/): cluster.yaml holds the live objects served by the
// Kubernetes API double, repo/ the Git repository the manifests locator reads.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import {
  ARGO_APPLICATIONS,
  FLUX_ARTIFACTGENERATORS,
  FLUX_EXTERNALARTIFACTS,
  FLUX_GITREPOSITORIES,
  FLUX_HELMRELEASES,
  FLUX_KUSTOMIZATIONS,
  type ResourceRef,
} from "../../src/discovery/reader.js";
import { WORKLOADS } from "../../src/kube/resources.js";
import {
  CORE_RESOURCES,
  COSTOPT_RESOURCE,
  type FakeKubeApi,
  type ResourceType,
} from "../support/kube-api.js";

const TESTDATA = fileURLToPath(new URL("./testdata/", import.meta.url));

const GITOPS: [ResourceRef, string][] = [
  [ARGO_APPLICATIONS, "Application"],
  [FLUX_KUSTOMIZATIONS, "Kustomization"],
  [FLUX_HELMRELEASES, "HelmRelease"],
  [FLUX_GITREPOSITORIES, "GitRepository"],
  [FLUX_EXTERNALARTIFACTS, "ExternalArtifact"],
  [FLUX_ARTIFACTGENERATORS, "ArtifactGenerator"],
];

/** What the operator reads: Argo CD and Flux kinds are served like installed CRDs. */
export const GITOPS_RESOURCES: ResourceType[] = GITOPS.map(([r, kind]) => ({ ...r, kind, readOnly: true }));

/** A cluster with Argo CD and Flux installed; without `gitops` their groups answer 404. */
export function clusterResources(gitops: boolean): ResourceType[] {
  return [...CORE_RESOURCES, COSTOPT_RESOURCE, ...(gitops ? GITOPS_RESOURCES : [])];
}

const BY_KIND = new Map<string, ResourceRef>([
  ...GITOPS.map(([r, kind]) => [kind, r] as [string, ResourceRef]),
  ...Object.entries(WORKLOADS),
]);

/** Serves every object of testdata/<name>/cluster.yaml from the double. */
export function loadCluster(api: FakeKubeApi, name: string): void {
  const text = readFileSync(join(TESTDATA, name, "cluster.yaml"), "utf8");
  for (const doc of parseAllDocuments(text)) {
    const obj = doc.toJS() as { kind: string } | null;
    if (!obj) continue;
    const r = BY_KIND.get(obj.kind);
    if (!r) throw new Error(`${name}/cluster.yaml: no resource for kind ${obj.kind}`);
    api.put(r.group, r.version, r.plural, obj);
  }
}

/** testdata/<name>/repo/** as repository files (path relative to the repository root). */
export function repoFiles(name: string): { path: string; content: string }[] {
  const root = join(TESTDATA, name, "repo");
  const out: { path: string; content: string }[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir).sort()) {
      const full = join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else
        out.push({ path: relative(root, full).split("\\").join("/"), content: readFileSync(full, "utf8") });
    }
  };
  walk(root);
  return out;
}
