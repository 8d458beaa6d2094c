// The cost check's verdict and summary: per workload the monthly cost before -> after and the
// delta, and each request the pull request changes next to the usage observed for it, with a
// plain sentence where the two disagree ("raises the CPU request of app to 4 while p95 usage is
// 300m"). Neutral unless costCheck.failAbove is set and the increase is above it.

import { formatSetting as quantity } from "../../api/quantity.js";
import { RESOURCE_FIELDS, type ResourceField } from "../../api/types.js";
import type { CheckConclusion } from "../../forge/github/checks.js";
import type { ContainerUsage, WorkloadUsage } from "../../metrics/types.js";
import { monthlyCost, type ResolvedPricing, roundUsd } from "../../recommend/cost.js";
import { code, plain, RESOURCE_LABEL, usd } from "../body/format.js";
import type { WorkloadChange, WorkloadShape } from "./changes.js";

export const COST_CHECK_NAME = "costopt/cost";

export interface CostVerdict {
  conclusion: CheckConclusion;
  title: string;
  summary: string;
}

export const NO_CHANGE: CostVerdict = {
  conclusion: "neutral",
  title: "No workload cost change",
  summary: "This pull request changes no workload's requests, limits or replicas.",
};

// GitHub refuses a check run summary over 65535 characters.
const MAX_SUMMARY = 60_000;

const signed = (v: number) => (v > 0 ? `+${usd(v)}` : v < 0 ? `-${usd(-v)}` : usd(0));

const cost = (s: WorkloadShape | undefined, pricing: ResolvedPricing) =>
  s ? roundUsd(monthlyCost(s.containers, s.replicas, pricing)) : 0;

function observed(field: ResourceField, u: ContainerUsage): { p95: number; max: number } {
  return field.startsWith("cpu") ? u.cpu : u.memory;
}

/** Sentences for requests that move away from what the container uses. */
function findings(c: WorkloadChange, usage: WorkloadUsage | undefined): string[] {
  const out: string[] = [];
  for (const after of c.after.containers) {
    const before = c.before?.containers.find((x) => x.name === after.name);
    const used = usage?.containers.find((u) => u.container === after.name);
    for (const field of ["cpuRequest", "memoryRequest"] as const) {
      const next = after[field];
      const prev = before?.[field];
      if (next === undefined || next === prev) continue;
      const label = `the ${RESOURCE_LABEL[field]} of ${code(after.name)}`;
      if (!used) continue;
      const seen = observed(field, used);
      const at = `p95 usage is ${quantity(field, seen.p95)} (max ${quantity(field, seen.max)})`;
      if (prev !== undefined && next > prev && next > 2 * seen.max)
        out.push(`This raises ${label} to ${quantity(field, next)} while ${at}.`);
      else if (prev !== undefined && next < prev && next < seen.p95)
        out.push(
          `This lowers ${label} to ${quantity(field, next)} while ${at}: expect ${field === "cpuRequest" ? "throttling" : "memory pressure or OOM kills"}.`,
        );
    }
  }
  return out;
}

function requestRows(c: WorkloadChange, usage: WorkloadUsage | undefined): string[] {
  const rows: string[] = [];
  for (const after of c.after.containers) {
    const before = c.before?.containers.find((x) => x.name === after.name);
    const used = usage?.containers.find((u) => u.container === after.name);
    for (const field of RESOURCE_FIELDS) {
      if (before?.[field] === after[field]) continue;
      const seen = used ? observed(field, used) : undefined;
      rows.push(
        `| ${code(after.name)} | ${RESOURCE_LABEL[field]} | ${quantity(field, before?.[field])} -> ${quantity(field, after[field])} | ${seen ? `${quantity(field, seen.p95)} / ${quantity(field, seen.max)}` : "no usage data"} |`,
      );
    }
  }
  return rows;
}

export function costVerdict(
  changes: readonly WorkloadChange[],
  usage: ReadonlyMap<string, WorkloadUsage>,
  o: {
    pricing: ResolvedPricing;
    failAbove?: number;
    usageSource: string;
    keyOf: (c: WorkloadChange) => string;
  },
): CostVerdict {
  if (changes.length === 0) return NO_CHANGE;
  let total = 0;
  const sections: string[] = [];
  const table = ["| Workload | Monthly cost before -> after | Delta |", "|---|---:|---:|"];
  for (const c of changes) {
    const before = cost(c.before, o.pricing);
    const after = cost(c.after, o.pricing);
    const delta = roundUsd(after - before);
    total = roundUsd(total + delta);
    const name = `${c.workload.namespace}/${c.workload.kind}/${c.workload.name}`;
    table.push(`| ${code(name)} | ${c.before ? usd(before) : "new"} -> ${usd(after)} | ${signed(delta)} |`);
    const u = usage.get(o.keyOf(c));
    const replicas =
      c.before && c.before.replicas !== c.after.replicas
        ? [`Replicas ${c.before.replicas} -> ${c.after.replicas}.`, ""]
        : [];
    const rows = requestRows(c, u);
    sections.push(
      `### ${plain(name)}`,
      "",
      ...replicas,
      ...(rows.length > 0
        ? ["| Container | Setting | Before -> after | Observed p95 / max |", "|---|---|---|---|", ...rows, ""]
        : []),
      ...findings(c, u).map((f) => `- ${f}`),
      ...(u ? [] : ["- No usage data for this workload yet."]),
      "",
    );
  }
  const fails = o.failAbove !== undefined && total > o.failAbove;
  const direction = total > 0 ? "raises" : total < 0 ? "lowers" : "keeps";
  const title = `${direction === "keeps" ? "Keeps" : direction === "raises" ? "Raises" : "Lowers"} the monthly cost by ${usd(Math.abs(total))}`;
  const summary = [
    `This pull request ${direction} the monthly cost of ${changes.length === 1 ? "1 workload" : `${changes.length} workloads`} by ${usd(Math.abs(total))} (${signed(total)}/mo).`,
    ...(fails
      ? [`It fails because the increase is above costCheck.failAbove (${usd(o.failAbove as number)}/mo).`]
      : []),
    "",
    ...table,
    "",
    ...sections,
    `Usage: ${o.usageSource}. Prices: USD per month at ${o.pricing.hoursPerMonth} h.`,
  ]
    .join("\n")
    .replace(/\n{3,}/g, "\n\n");
  return {
    conclusion: fails ? "failure" : "neutral",
    title,
    summary:
      summary.length > MAX_SUMMARY
        ? `${summary.slice(0, MAX_SUMMARY)}\n\n(cut at ${MAX_SUMMARY} characters)`
        : summary,
  };
}
