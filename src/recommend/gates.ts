// The policy's gates. Stepping (maxChangePercent) rewrites the proposal before it is priced
// and scored; the decision then lists every gate's verdict, passed or failed, and the steps
// apart from them: a step is what the policy asked for, not a reason to hold anything back.

import { formatCpu, memorySetting } from "../api/quantity.js";
import { type CostOptimizationSpec, RISK_LEVELS } from "../api/types.js";
import { DEFAULT_PROTECTED_LABELS } from "../api/validation.js";
import {
  CPU_ROUNDING_FINE,
  MEMORY_ROUNDING_FINE,
  roundCpuDown,
  roundCpuUp,
  roundMemoryDown,
  roundMemoryUp,
} from "./rounding.js";
import { withQuietReplicas } from "./strategies/scheduled-scaling.js";
import type { Proposal } from "./strategies/types.js";
import type { Confidence, Decision, GateCheck, Resources, Risk, WorkloadState } from "./types.js";

export interface GateSettings {
  /** Namespaces never changed. Default ["kube-system"]. */
  protectedNamespaces: string[];
  /** A workload label or annotation with this key set to "true" is never changed. Default "costopt.dev/protected". */
  protectedKey: string;
  /** A workload carrying any of these label pairs is never changed: admission's list (app.kubernetes.io/component=controller). */
  protectedLabels: Record<string, string>;
  /** Also hold back increases to maxChangePercent. Default true: the policy's limit is on any change (1 -> 30 replicas is a change too); a shortage fix arrives in steps, each titled as a raise. */
  stepIncreases: boolean;
}

export const DEFAULT_GATE_SETTINGS: GateSettings = {
  protectedNamespaces: ["kube-system"],
  protectedKey: "costopt.dev/protected",
  protectedLabels: DEFAULT_PROTECTED_LABELS,
  stepIncreases: true,
};

type Field = keyof Resources;
/** noted: how the strategy's note about the value begins, so a stepped value's note can be rewritten. */
const FIELDS: {
  field: Field;
  label: string;
  noted: string;
  /** Up for a stepped cut, down for a stepped raise: toward the current value either way. */
  round: (v: number) => number;
  roundDown: (v: number) => number;
  format: (v: number) => string;
}[] = (() => {
  const cpu = {
    round: (v: number) => roundCpuUp(v, CPU_ROUNDING_FINE),
    roundDown: roundCpuDown,
    format: formatCpu,
  };
  const mem = {
    round: (v: number) => roundMemoryUp(v, MEMORY_ROUNDING_FINE),
    roundDown: roundMemoryDown,
    format: memorySetting,
  };
  return [
    { field: "cpuRequest", label: "CPU request", noted: "CPU request", ...cpu },
    { field: "cpuLimit", label: "CPU limit", noted: "CPU limit", ...cpu },
    { field: "memoryRequest", label: "memory request", noted: "memory", ...mem },
    { field: "memoryLimit", label: "memory limit", noted: "memory limit", ...mem },
  ];
})();

/** The strategy's note about a value, restated for the value stepping left (what the PR proposes). */
function restate(
  notes: string[],
  noted: string,
  label: string,
  computed: string,
  stepped: string,
  max: number,
) {
  const head = `${noted} ${computed} `;
  let found = false;
  const out = notes.map((n) => {
    if (found || !n.startsWith(head)) return n;
    found = true;
    return `${label} ${stepped}: stepped by maxChangePercent ${max} from the computed ${computed} ${n.slice(head.length)}`;
  });
  if (!found)
    out.push(`${label} ${stepped}: stepped by maxChangePercent ${max} from the computed ${computed}`);
  return out;
}

export interface Stepped {
  proposal: Proposal;
  /** One sentence per value that was cut back to the limit. */
  steps: string[];
}

/** Cuts every change larger than maxChangePercent back to the limit (rounded toward the current value). */
export function stepToLimit(p: Proposal, maxChangePercent: number, s: GateSettings): Stepped {
  const share = maxChangePercent / 100;
  const steps: string[] = [];
  const note = (what: string, from: string, to: string, change: number, stepped: string) =>
    steps.push(
      `maxChangePercent ${maxChangePercent}: ${what} ${from} -> ${to} (${change > 0 ? "+" : "-"}${Math.round(Math.abs(change) * 100)}%) stepped to ${stepped}`,
    );

  const containers = p.containers.map((c) => {
    const proposed = { ...c.proposed };
    let notes = [...c.notes];
    for (const { field, label, noted, round, roundDown, format } of FIELDS) {
      const from = c.current[field];
      const to = proposed[field];
      if (from === undefined || to === undefined || from <= 0) continue;
      const change = (to - from) / from;
      let limited: number | undefined;
      if (change < -share) limited = Math.min(from, round(from * (1 - share)));
      // At least one unit up, so a tiny value (cpu: 1m) still moves.
      else if (change > share && s.stepIncreases) {
        const cap = from * (1 + share);
        const rounded = roundDown(cap);
        limited = rounded > from ? rounded : Math.max(from + 1, Math.floor(cap));
      }
      if (limited === undefined || limited === to) continue;
      proposed[field] = limited;
      note(`${c.name} ${label}`, format(from), format(to), change, format(limited));
      notes = restate(notes, noted, label, format(to), format(limited), maxChangePercent);
    }
    // Stepping request and limit separately must not leave a limit under its request.
    if (proposed.cpuLimit !== undefined && proposed.cpuRequest !== undefined)
      proposed.cpuLimit = Math.max(proposed.cpuLimit, proposed.cpuRequest);
    if (proposed.memoryLimit !== undefined && proposed.memoryRequest !== undefined)
      proposed.memoryLimit = Math.max(proposed.memoryLimit, proposed.memoryRequest);
    return { ...c, proposed, notes };
  });

  let workloadNotes = [...p.notes];
  let replicas = p.replicas;
  if (replicas && replicas.current > 0) {
    const change = (replicas.proposed - replicas.current) / replicas.current;
    let limited: number | undefined;
    if (change < -share) limited = Math.max(1, Math.ceil(replicas.current * (1 - share)));
    else if (change > share && s.stepIncreases)
      limited = Math.max(replicas.current + 1, Math.floor(replicas.current * (1 + share)));
    if (limited !== undefined && limited !== replicas.proposed) {
      note("replicas", String(replicas.current), String(replicas.proposed), change, String(limited));
      workloadNotes.push(
        `replicas: ${replicas.current} -> ${limited} proposed (the computed ${replicas.proposed} stepped by maxChangePercent ${maxChangePercent})`,
      );
      replicas = { ...replicas, proposed: limited };
    }
  }
  // Requests were sized for the unstepped count; what each pod carries is set by the stepped one.
  const loadFactor =
    p.loadFactor !== 1 && replicas && replicas.proposed > 0
      ? replicas.current / replicas.proposed
      : p.loadFactor;
  let scheduledScaling = p.scheduledScaling;
  const quiet = scheduledScaling?.windows[0]?.desiredReplicas;
  if (scheduledScaling && quiet !== undefined) {
    const baseline = scheduledScaling.baselineReplicas;
    const change = (quiet - baseline) / baseline;
    if (change < -share) {
      const limited = Math.max(1, Math.ceil(baseline * (1 - share)));
      if (limited >= baseline) scheduledScaling = undefined;
      else scheduledScaling = withQuietReplicas(scheduledScaling, limited);
      note("quiet-hours replicas", String(baseline), String(quiet), change, String(limited));
      const head = `scheduled scaling: ${quiet} replica(s) for `;
      workloadNotes = workloadNotes.map((n) =>
        n.startsWith(head)
          ? limited >= baseline
            ? `scheduled scaling: not proposed; the computed ${quiet} quiet-hours replica(s) stepped by maxChangePercent ${maxChangePercent} would be ${limited}, the baseline`
            : `scheduled scaling: ${limited} replica(s) (the computed ${quiet} stepped by maxChangePercent ${maxChangePercent}) for ${n.slice(head.length)}`
          : n,
      );
    }
  }
  const appliedTypes = scheduledScaling
    ? p.appliedTypes
    : p.appliedTypes.filter((t) => t !== "SCHEDULED_SCALING");
  return {
    proposal: {
      ...p,
      containers,
      replicas,
      scheduledScaling,
      appliedTypes,
      loadFactor,
      notes: workloadNotes,
    },
    steps,
  };
}

export interface DecideArgs {
  spec: CostOptimizationSpec;
  workload: WorkloadState;
  proposal: Proposal;
  confidence: Confidence;
  risk: Risk;
  notEnoughData?: string;
  steps: string[];
  settings: GateSettings;
  /** The priced saving of the (stepped) proposal, USD per month. */
  monthlySavings: number;
}

/** Kinds whose only changes are requests and limits: [gate passed, gate failed] wording. */
const RESOURCES_ONLY: Partial<Record<string, [string, string]>> = {
  DaemonSet: [
    "DaemonSet: only requests and limits change",
    "DaemonSet: replicas, spot placement and schedules do not apply (one pod per node)",
  ],
  CronJob: [
    "CronJob: only the job template's requests and limits change",
    "CronJob: replicas, spot placement and schedules do not apply (its pods run per scheduled Job)",
  ],
};

export function decide(a: DecideArgs): Decision {
  const { spec, workload, proposal: p, confidence, risk, settings: s } = a;
  if (a.notEnoughData)
    return {
      allowed: false,
      stepped: false,
      checks: [{ gate: "data", passed: false, detail: a.notEnoughData }],
      steps: [],
      reasons: [a.notEnoughData, "nothing is proposed without data"],
    };

  const checks: GateCheck[] = [];
  const gate = (name: string, passed: boolean, pass: string, fail: string) =>
    checks.push({ gate: name, passed, detail: passed ? pass : fail });

  const protectedBy = protection(workload, s);
  gate("protection", protectedBy === undefined, "not protected", `protected: ${protectedBy}`);
  const kind = workload.ref.kind;
  const resourcesOnly = RESOURCES_ONLY[kind];
  if (resourcesOnly)
    gate("kind", !p.replicas && !p.placement && !p.scheduledScaling, resourcesOnly[0], resourcesOnly[1]);
  if (kind === "StatefulSet")
    gate(
      "kind",
      (!p.replicas || p.replicas.proposed === p.replicas.current) && !p.placement && !p.scheduledScaling,
      "StatefulSet: replicas and placement unchanged",
      "StatefulSet: replica count and placement are not changed automatically (each replica owns its data)",
    );
  if (p.replicas)
    gate(
      "replicas",
      p.replicas.proposed >= 1,
      "at least 1 replica",
      `${p.replicas.proposed} replicas: at least 1 is required`,
    );
  gate(
    "change",
    hasChange(p),
    "proposes a change",
    "no change: the current values already fit the observed usage",
  );
  if (hasChange(p))
    gate(
      "saving",
      a.monthlySavings > 0 || raises(p),
      a.monthlySavings > 0
        ? `saves $${a.monthlySavings.toFixed(2)}/mo`
        : "raises a value the workload is short of",
      `saves nothing ($${a.monthlySavings.toFixed(2)}/mo) and fixes no shortage`,
    );
  gate(
    "minConfidence",
    confidence.score >= spec.minConfidence,
    `confidence ${confidence.score} meets minConfidence ${spec.minConfidence}`,
    `confidence ${confidence.score} is below minConfidence ${spec.minConfidence}`,
  );
  gate(
    "maxRiskLevel",
    RISK_LEVELS.indexOf(risk.level) <= RISK_LEVELS.indexOf(spec.maxRiskLevel),
    `risk ${risk.level} is within maxRiskLevel ${spec.maxRiskLevel}`,
    `risk ${risk.level} exceeds maxRiskLevel ${spec.maxRiskLevel}`,
  );
  const failed = checks.filter((c) => !c.passed);
  const passed = checks.filter((c) => c.passed);
  return {
    allowed: failed.length === 0,
    stepped: a.steps.length > 0,
    checks: [...failed, ...passed],
    steps: a.steps,
    reasons: [...failed.map((c) => c.detail), ...a.steps, ...passed.map((c) => c.detail)],
  };
}

/** Why a recommendation is held back: the failed checks only, in plain words. */
export function blockers(d: Decision): string[] {
  return d.checks.filter((c) => !c.passed).map((c) => c.detail);
}

function protection(w: WorkloadState, s: GateSettings): string | undefined {
  if (s.protectedNamespaces.includes(w.ref.namespace)) return `namespace ${w.ref.namespace} is protected`;
  if (w.labels[s.protectedKey] === "true") return `label ${s.protectedKey}=true`;
  if (w.annotations?.[s.protectedKey] === "true") return `annotation ${s.protectedKey}=true`;
  for (const [key, value] of Object.entries(s.protectedLabels))
    if (w.labels[key] === value) return `label ${key}=${value}`;
  return undefined;
}

/** Whether the proposal raises a request, limit or replica count: a shortage fix (OOM kills, throttling). */
export function raises(p: Proposal): boolean {
  if (p.replicas && p.replicas.proposed > p.replicas.current) return true;
  return p.containers.some((c) =>
    FIELDS.some(({ field }) => {
      const from = c.current[field];
      const to = c.proposed[field];
      return from !== undefined && to !== undefined && to > from;
    }),
  );
}

export function hasChange(p: Proposal): boolean {
  if (p.placement || p.scheduledScaling) return true;
  if (p.replicas && p.replicas.proposed !== p.replicas.current) return true;
  return p.containers.some((c) => FIELDS.some(({ field }) => c.current[field] !== c.proposed[field]));
}
