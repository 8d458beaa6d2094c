// The read-only access discovery needs, as data: manifests/operator's ClusterRole takes these
// rules verbatim. Discovery never writes Argo CD or Flux objects.

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

export const DISCOVERY_RBAC_RULES: PolicyRule[] = [
  { apiGroups: ["argoproj.io"], resources: ["applications"], verbs: ["get", "list", "watch"] },
  {
    apiGroups: ["kustomize.toolkit.fluxcd.io"],
    resources: ["kustomizations"],
    verbs: ["get", "list", "watch"],
  },
  { apiGroups: ["helm.toolkit.fluxcd.io"], resources: ["helmreleases"], verbs: ["get", "list", "watch"] },
  {
    apiGroups: ["source.toolkit.fluxcd.io"],
    resources: ["gitrepositories"],
    verbs: ["get", "list", "watch"],
  },
  // A Kustomization reading an ExternalArtifact: the ArtifactGenerator's copy rules map its path to Git.
  {
    apiGroups: ["source.toolkit.fluxcd.io"],
    resources: ["externalartifacts"],
    verbs: ["get", "list", "watch"],
  },
  {
    apiGroups: ["source.extensions.fluxcd.io"],
    resources: ["artifactgenerators"],
    verbs: ["get", "list", "watch"],
  },
  // The chart artifact Flux fetched (status.artifact.url), for charts that are not in Git.
  {
    apiGroups: ["source.toolkit.fluxcd.io"],
    resources: ["helmcharts", "ocirepositories"],
    verbs: ["get", "list", "watch"],
  },
];
