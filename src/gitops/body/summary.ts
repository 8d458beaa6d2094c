// The opening paragraph: what changes, why, and what it saves — readable without scrolling.

import { parseWindow } from "../../api/duration.js";
import type { Recommendation } from "../../recommend/types.js";
import { changedFields, code, count, percent, plain, usd } from "./format.js";

function days(seconds: number): string {
  const d = seconds / 86400;
  return d >= 1 ? `${Math.round(d * 10) / 10} days` : `${Math.round(seconds / 3600)} hours`;
}

/**
 * One thing the change does, as a verb phrase. `lead` names the workload (the first action of
 * the sentence); `follow` refers back to it ("its", "it") for the actions after the first.
 */
interface Action {
  lead: (workload: string) => string;
  follow: string;
}

function actions(rec: Recommendation): Action[] {
  const out: Action[] = [];
  const fields = new Set(rec.containers.flatMap((c) => changedFields(c.current, c.proposed)));
  const cpu = fields.has("cpuRequest") || fields.has("cpuLimit");
  const memory = fields.has("memoryRequest") || fields.has("memoryLimit");
  const what = cpu && memory ? "CPU and memory" : cpu ? "CPU" : "memory";
  if (cpu || memory)
    out.push({ lead: (w) => `**right-size ${what}** for ${w}`, follow: `**right-size its ${what}**` });
  const r = rec.replicas;
  if (r && r.proposed !== r.current) {
    const counts = `${r.current} -> ${r.proposed}`;
    if (r.field === "hpa.minReplicas")
      out.push({
        lead: (w) =>
          `**set minReplicas ${counts}** on HorizontalPodAutoscaler ${code(r.hpaName ?? "")} of ${w}`,
        follow: `**set its HorizontalPodAutoscaler's minReplicas ${counts}**`,
      });
    else
      out.push({
        lead: (w) => `**set replicas ${counts}** for ${w}`,
        follow: `**set its replicas ${counts}**`,
      });
  }
  if (rec.placement)
    out.push({ lead: (w) => `**move** ${w} **to spot capacity**`, follow: "**move it to spot capacity**" });
  const s = rec.scheduledScaling;
  if (s) {
    const quiet = s.windows[0]?.desiredReplicas;
    const detail =
      quiet === undefined
        ? ""
        : ` (${count(quiet, "replica")} in quiet hours, ${s.baselineReplicas} otherwise)`;
    out.push({
      lead: (w) => `**scale** ${w} **on a schedule**${detail}`,
      follow: `**scale it on a schedule**${detail}`,
    });
  }
  return out;
}

/** "a", "a and b", "a, b and c". */
function listed(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

/** What costopt proposes, as the start of a sentence about the workload. */
export function proposalSentence(rec: Recommendation): string {
  const t = rec.target;
  const workload = `${t.kind} ${code(`${t.namespace}/${t.name}`)}`;
  const [first, ...rest] = actions(rec);
  if (!first) return `costopt proposes no change to ${workload}`;
  return `costopt proposes to ${listed([first.lead(workload), ...rest.map((a) => a.follow)])}`;
}

// A safety increase (memory after OOM kills) costs money: say so rather than "saves $-4".
function money(savings: number): string {
  return savings >= 0
    ? `It saves about **${usd(savings)} a month**`
    : `It adds about **${usd(-savings)} a month**`;
}

export function renderSummary(rec: Recommendation, metricsWindow?: string): string {
  const window =
    metricsWindow && parseWindow(metricsWindow)
      ? metricsWindow
      : days(rec.evidence.window.end - rec.evidence.window.start);
  const source = rec.evidence.source ? ` from ${plain(rec.evidence.source)}` : "";
  const stepped = rec.decision.stepped
    ? " The change was cut back to the policy's maxChangePercent; later runs continue from there."
    : "";
  return (
    `${proposalSentence(rec)}, ` +
    `based on ${days(rec.evidence.historySeconds)} of usage (window ${window})${source}. ` +
    `${money(rec.monthlySavings)} (${usd(rec.currentCost)} -> ${usd(rec.optimizedCost)}), ` +
    `with ${percent(rec.confidence.score)} confidence and ${rec.risk.level} risk.${stepped}`
  );
}
