// Live objects read from the cluster, typed only as far as discovery needs. Argo CD and Flux
// custom resources are not validated by costopt, so every field is read defensively: a
// missing or oddly typed field means "not given", never a crash.

export interface LiveObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { apiVersion?: string; kind?: string; name?: string }[];
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

type Bag = Record<string, unknown>;

/** The object at a dotted path, or undefined. */
export function objectAt(root: unknown, path: string): Bag | undefined {
  const v = valueAt(root, path);
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Bag) : undefined;
}

/** A non-empty string at a dotted path, or undefined. */
export function stringAt(root: unknown, path: string): string | undefined {
  const v = valueAt(root, path);
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** The array at a dotted path (empty when absent). */
export function arrayAt(root: unknown, path: string): unknown[] {
  const v = valueAt(root, path);
  return Array.isArray(v) ? v : [];
}

export function hasKey(root: unknown, path: string): boolean {
  return valueAt(root, path) !== undefined;
}

function valueAt(root: unknown, path: string): unknown {
  let cur: unknown = root;
  for (const key of path.split(".")) {
    if (!cur || typeof cur !== "object") return undefined;
    cur = (cur as Bag)[key];
  }
  return cur;
}

/** namespace/name, the way kubectl and both GitOps tools print an object. */
export function nsName(o: LiveObject): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
}
