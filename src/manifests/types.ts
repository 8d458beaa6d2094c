// Public shapes of the manifests module: the repository index, a located workload, a plan.

import type { Operation } from "fast-json-patch";
import type { ResourceField, WorkloadKind } from "../api/types.js";

export interface RepoFile {
  /** Relative to the repository root, "/"-separated. */
  path: string;
  content: string;
  /** A symbolic link in Git (its content is the link target); never followed. */
  symlink?: boolean;
}

export interface IndexOptions {
  /** Files larger than this are skipped (default 1 MiB). */
  maxFileBytes?: number;
  /** owner/name and branch the files came from; a policy naming others is refused. */
  repository?: string;
  branch?: string;
}

export type SkipCode = "invalid-yaml" | "duplicate-key" | "too-large" | "binary" | "symlink" | "bad-path";

export interface Skipped {
  path: string;
  code: SkipCode;
  /** Names the file, the document and the problem. */
  reason: string;
  line?: number;
  column?: number;
  docIndex?: number;
}

export interface IndexedDocument {
  file: string;
  docIndex: number;
  /** JSON pointer of the object in its document: "" or, inside a List, "/items/3". */
  pointer: string;
  apiVersion?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  /** The document as plain data. */
  value: unknown;
  /** Document-wide JSON pointers of integers written with a leading zero (010: 8 or 10?); absent when none. */
  leadingZeros?: string[];
}

export interface IndexedFile {
  path: string;
  content: string;
  documents: IndexedDocument[];
}

/** One patch a kustomization applies; `value` is the patch document or the op list. */
export interface KustomizePatch {
  type: "strategic-merge" | "json6902";
  /** Where the patch text lives: its own file, or a string inside the kustomization. */
  file: string;
  docIndex: number;
  /** JSON pointer to the patch inside that document ("" for a whole-document patch). */
  pointer: string;
  inline: boolean;
  value: unknown;
  target?: {
    group?: string;
    version?: string;
    kind?: string;
    name?: string;
    namespace?: string;
    /** Equality-based only ("app=web,tier"); set-based selectors never match. */
    labelSelector?: string;
  };
}

export interface Kustomization {
  file: string;
  dir: string;
  kind: "Kustomization" | "Component";
  namespace?: string;
  namePrefix?: string;
  nameSuffix?: string;
  /** Resolved repository paths: files, or folders holding a kustomization. */
  resources: string[];
  components: string[];
  patches: KustomizePatch[];
  replicas: { name: string; count: number; index: number }[];
  /** configMapGenerator entries: the ConfigMap's name and each data key's source file. */
  configMapGenerators: { name: string; files: { key: string; path: string }[] }[];
  /** commonLabels and labels[].pairs, which the kustomization adds to every resource. */
  commonLabels: Record<string, string>;
  /** Entries that could not be followed, with the reason. */
  problems: string[];
}

export interface HelmChart {
  dir: string;
  /** Chart.yaml's name. */
  name?: string;
  /** values.yaml and values-*.yaml next to Chart.yaml. */
  valuesFiles: string[];
  /** The templates as text (Go templates, not YAML), read to learn which values feed a container. */
  templates: { path: string; content: string }[];
}

export interface RepoIndex {
  files: Map<string, IndexedFile>;
  documents: IndexedDocument[];
  skipped: Skipped[];
  kustomizations: Map<string, Kustomization>;
  charts: HelmChart[];
  symlinks: Set<string>;
  repository?: string;
  branch?: string;
}

export interface Refused {
  ok: false;
  reason: string;
}

export type SourceKind = "manifest" | "kustomize" | "helm-values" | "helmrelease" | "argocd-application";

/** A place a value is written, or would be written. */
export interface EditSite {
  file: string;
  docIndex: number;
  /** JSON pointer inside that document. */
  path: string;
  /** false: the key (and any missing parents) will be added at `path`. */
  exists: boolean;
  /** The value as written, e.g. "500m" or 2 (keeps the author's quantity style and quoting). */
  raw?: unknown;
  /** Human description of the layer, e.g. "overlay patch overlays/prod/resources.yaml". */
  layer: string;
  /** The document does not exist yet: a new patch file registered in a kustomization. */
  create?: NewPatchFile;
  /**
   * The value sits inside a YAML string of that document (an inline kustomize patch, an Argo CD
   * helm.values string): `inline.path` points at the string and `path` points inside its YAML.
   */
  inline?: { path: string };
  /** Set when the site cannot be edited safely; planChanges refuses edits here with this reason. */
  blocked?: string;
  /**
   * Set when the value written here is not a valid quantity (cpu: abc): the workload's current
   * values are unknown, so nothing is recommended for it (file, document and field named).
   */
  invalid?: string;
  /**
   * The layer that sets the value in effect, when that is not this site (a base value that a new
   * patch of this overlay will override); absent when the site holds it or nothing sets it.
   */
  setIn?: string;
}

/** A chart Flux fetched that is not in the repository: read from the cluster by src/discovery. */
export interface ChartNeed {
  /** `${kind}/${namespace}/${name}`, the key of the fetched result. */
  key: string;
  kind: "HelmChart" | "OCIRepository";
  namespace: string;
  name: string;
}

/** A chart artifact as read from the cluster, or why it could not be. */
export type FetchedChart = { ok: true; chart: HelmChart; from: string } | { ok: false; reason: string };

/** Where a workload was found and where its values are written, for people to read. */
export interface WorkloadLocation {
  format: SourceKind;
  /** The files that define the workload (the base document, the values file, the HelmRelease). */
  definedIn: string[];
  /** Each distinct place a value is written: the file and its layer; `created` for a new patch. */
  sites: { file: string; layer: string; created: boolean }[];
}

export interface NewFileSite {
  folder: string;
  /** The kustomization file whose `resources:` must list a new file so it is applied. */
  kustomization?: string;
  /** A new file here would also reach roots the policy does not target. */
  blocked?: string;
}

export interface NewPatchFile {
  /** The kustomization file that will list the new patch. */
  kustomization: string;
  /** The new patch document's header (apiVersion, kind, metadata.name). */
  header: { apiVersion: string; kind: string; metadata: { name: string } };
}

export type { ResourceField };

export interface LocatedContainer {
  /** The name written in the manifests (source.containerMapping is applied where usage meets it). */
  name: string;
  /** Millicores / bytes; absent when not set. */
  cpuRequest?: number;
  cpuLimit?: number;
  memoryRequest?: number;
  memoryLimit?: number;
  /** Where each field is set (or would be added); several sites when identical copies exist. */
  sites: Record<ResourceField, EditSite[]>;
}

export interface LocatedReplicas {
  /** The effective replica count (1 when nothing sets it). */
  current: number;
  /** true when some layer sets it explicitly. */
  explicit: boolean;
  sites: EditSite[];
  ownedByHpa: boolean;
  /** The HorizontalPodAutoscaler in the repository that targets the workload. */
  hpa?: {
    file: string;
    docIndex: number;
    name: string;
    minReplicas?: number;
    maxReplicas?: number;
    /** Where spec.minReplicas is set, or would be added (an overlay patch when the HPA's base is shared). */
    minReplicasSites: EditSite[];
  };
}

export interface Located {
  ok: true;
  target: { kind: WorkloadKind; namespace?: string; name: string };
  source: SourceKind;
  /** The root kustomizations (files) that render the workload; empty for plain manifests and values files. */
  roots?: string[];
  /** Where the workload is defined (the base document, or the values file). */
  definedIn: { file: string; docIndex: number; pointer?: string }[];
  /**
   * Where new files (e.g. a scheduled-scaling manifest) go: the folder of the kustomization that
   * renders the workload, which must list them in its resources, or the workload file's folder
   * for plain manifests and Helm values. One entry per identical copy, all written together.
   */
  newFiles: NewFileSite[];
  labels: Record<string, string>;
  podLabels: Record<string, string>;
  containers: LocatedContainer[];
  replicas: LocatedReplicas;
  placement: { nodeAffinity: EditSite[]; tolerations: EditSite[] };
  /** Things a reviewer should know (e.g. a base shared by several overlays). */
  notes: string[];
}

export interface DesiredContainer {
  name: string;
  /** Millicores. */
  cpuRequest?: number;
  cpuLimit?: number;
  /** Bytes. */
  memoryRequest?: number;
  memoryLimit?: number;
}

export interface Desired {
  containers?: DesiredContainer[];
  replicas?: number;
  /** The minReplicas of the HorizontalPodAutoscaler that owns the workload's replicas. */
  hpaMinReplicas?: number;
  placement?: { nodeAffinity?: Record<string, unknown>; tolerations?: Record<string, unknown>[] };
  /**
   * Extra files (e.g. a scheduled-scaling manifest), relative to each of located.newFiles'
   * folders; a kustomization there lists them in its resources.
   */
  files?: { path: string; content: string }[];
}

export interface DocumentOperations {
  docIndex: number;
  ops: Operation[];
}

export interface FileEdit {
  path: string;
  /** The original content ("" for a new file). */
  before: string;
  after: string;
  created: boolean;
  operations: DocumentOperations[];
}

export interface Plan {
  ok: true;
  edits: FileEdit[];
}
