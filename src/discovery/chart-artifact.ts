// The chart Flux has already fetched: a HelmChart's or OCIRepository's status.artifact.url points
// at a .tgz that source-controller serves inside the cluster. It is read in memory, capped in size
// (compressed and unpacked), and only Chart.yaml, values.yaml and templates/ are kept, so the
// locator can read which values feed a workload's resources. Any failure is a reason naming the
// object and the URL (credentials redacted), never a guess.

import { gunzipSync } from "node:zlib";
import type { ChartNeed, FetchedChart, HelmChart } from "../manifests/index.js";
import { redactUrl } from "../telemetry/redact.js";
import type { LiveObject } from "./live.js";
import type { ClusterReader, ResourceRef } from "./reader.js";

export const FLUX_HELMCHARTS: ResourceRef = {
  group: "source.toolkit.fluxcd.io",
  version: "v1",
  plural: "helmcharts",
  namespaced: true,
};
export const FLUX_OCIREPOSITORIES: ResourceRef = {
  group: "source.toolkit.fluxcd.io",
  version: "v1",
  plural: "ocirepositories",
  namespaced: true,
};

/** Default cap on the downloaded archive and on its unpacked size: charts are kilobytes. */
export const DEFAULT_MAX_CHART_BYTES = 4 * 2 ** 20;

export interface ChartArtifactOptions {
  maxBytes?: number;
  /** Injected for tests; the global fetch otherwise. */
  fetch?: typeof fetch;
}

/** Regular files of a tar archive (ustar or GNU), by path. */
function untar(tar: Buffer): Map<string, string> | string {
  const files = new Map<string, string>();
  let at = 0;
  while (at + 512 <= tar.length) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const field = (from: number, len: number) =>
      header
        .subarray(from, from + len)
        .toString("utf8")
        .replace(/\0.*$/s, "");
    const size = Number.parseInt(field(124, 12).trim() || "0", 8);
    const magic = field(257, 6);
    if (Number.isNaN(size) || (magic !== "ustar" && magic !== "ustar ")) return "not a tar archive";
    const prefix = field(345, 155);
    const name = prefix ? `${prefix}/${field(0, 100)}` : field(0, 100);
    const type = field(156, 1);
    if (type === "0" || type === "")
      files.set(name, tar.subarray(at + 512, at + 512 + size).toString("utf8"));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

/** The chart in a .tgz: its first folder is the chart; templates and Chart.yaml's name are kept. */
export function readChartArchive(bytes: Buffer, maxBytes = DEFAULT_MAX_CHART_BYTES): HelmChart | string {
  let tar: Buffer;
  try {
    tar = gunzipSync(bytes, { maxOutputLength: maxBytes });
  } catch (err) {
    const code = (err as { code?: string }).code;
    return code === "ERR_BUFFER_TOO_LARGE"
      ? `it unpacks to more than ${maxBytes} bytes`
      : "it is not a gzip-compressed tar archive";
  }
  const files = untar(tar);
  if (typeof files === "string") return `it is ${files}`;
  const chartFile = [...files.keys()].find((p) => /^[^/]+\/Chart\.yaml$/.test(p));
  if (!chartFile) return "it holds no <chart>/Chart.yaml";
  const root = chartFile.slice(0, chartFile.indexOf("/"));
  const name = /^name:\s*["']?([^"'\s#]+)/m.exec(files.get(chartFile) ?? "")?.[1];
  const templates = [...files]
    .filter(([p]) => p.startsWith(`${root}/templates/`) && /\.(ya?ml|tpl)$/.test(p))
    .map(([p, content]) => ({ path: p.slice(root.length + 1), content }));
  return { dir: "", ...(name ? { name } : {}), valuesFiles: [], templates };
}

async function download(url: string, o: Required<ChartArtifactOptions>): Promise<Buffer | string> {
  let res: Response;
  try {
    res = await o.fetch(url);
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return `it is unreachable (${cause?.code ?? cause?.message ?? (err as Error).message})`;
  }
  if (!res.ok) return `the server answered ${res.status}`;
  const declared = Number(res.headers.get("content-length") ?? "0");
  if (declared > o.maxBytes) return `it is ${declared} bytes, over the ${o.maxBytes}-byte limit`;
  const chunks: Buffer[] = [];
  let total = 0;
  const reader = res.body?.getReader();
  if (!reader) return "the response has no body";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > o.maxBytes) {
      await reader.cancel();
      return `it is over the ${o.maxBytes}-byte limit`;
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks);
}

function artifactUrl(obj: LiveObject | undefined): string | undefined {
  const status = (obj as { status?: { artifact?: { url?: unknown } } } | undefined)?.status;
  return typeof status?.artifact?.url === "string" ? status.artifact.url : undefined;
}

/** One fetched chart per need, keyed by chartKey(); failures carry the reason. */
export async function fetchCharts(
  reader: ClusterReader,
  needs: readonly ChartNeed[],
  options: ChartArtifactOptions = {},
): Promise<Map<string, FetchedChart>> {
  const o = { maxBytes: options.maxBytes ?? DEFAULT_MAX_CHART_BYTES, fetch: options.fetch ?? fetch };
  const out = new Map<string, FetchedChart>();
  for (const need of needs) {
    if (out.has(need.key)) continue;
    const what = `${need.kind} ${need.namespace}/${need.name}`;
    const ref = need.kind === "OCIRepository" ? FLUX_OCIREPOSITORIES : FLUX_HELMCHARTS;
    const obj = await reader.get(ref, need.namespace, need.name);
    const url = artifactUrl(obj);
    if (!obj || !url) {
      out.set(need.key, {
        ok: false,
        reason: obj
          ? `${what} has no fetched artifact yet (status.artifact.url)`
          : `${what} is not in the cluster`,
      });
      continue;
    }
    const shown = redactUrl(url);
    const bytes = await download(url, o);
    const chart = typeof bytes === "string" ? bytes : readChartArchive(bytes, o.maxBytes);
    out.set(
      need.key,
      typeof chart === "string"
        ? { ok: false, reason: `the chart artifact of ${what} (${shown}) cannot be read: ${chart}` }
        : { ok: true, chart, from: `the chart artifact of ${what} (${shown})` },
    );
  }
  return out;
}
