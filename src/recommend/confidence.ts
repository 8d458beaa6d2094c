// Confidence 0..1: how far the evidence can be trusted. Four data factors, each 0..1, combined
// as a geometric mean so one weak factor pulls the score down hard but no single one dominates.
// Then how far the past predicts the future: a trend (sizing extrapolates it), a step change
// (the older part of the window describes a workload that no longer exists), heavy tails and
// daily peaks the request does not cover multiply the score down; each is 1 for stationary
// usage, so a well-behaved workload scores as before.

import type { WorkloadUsage } from "../metrics/types.js";
import { effectiveCpu } from "./cost.js";
import { describePeak, type PeriodicPeak } from "./peaks.js";
import { dailyStability } from "./profile.js";
import type { Proposal } from "./strategies/types.js";
import type { Confidence, ContainerEvidence, Factor } from "./types.js";

export interface ConfidenceSettings {
  /** Samples per container for a full sample score. Default 2016 (a week at 5-minute steps). */
  fullSamples: number;
  /** Day-to-day coefficient of variation at which stability scores 0. Default 1 (the hour swings by its own mean). */
  cvAtZero: number;
  /** Stability score when fewer than two weekdays were seen. Default 0.5 (unknown, not bad). */
  unknownStability: number;
  /** A trend moving usage by share s until the horizon scores 1 / (1 + trendWeight x s). Default 1.5 (40% growth: 0.62). */
  trendWeight: number;
  /** Score when the level stepped once within the window. Default 0.7. */
  stepScore: number;
  /** CPU p99/p95 (or memory max/p95) above which the tail counts as heavy; the score is this over the ratio. Default 1.5. */
  tailRatio: number;
  /** Score when a daily peak exceeds the proposed per-pod CPU request. Default 0.7. */
  uncoveredPeakScore: number;
}

export const DEFAULT_CONFIDENCE_SETTINGS: ConfidenceSettings = {
  fullSamples: 2016,
  cvAtZero: 1,
  unknownStability: 0.5,
  trendWeight: 1.5,
  stepScore: 0.7,
  tailRatio: 1.5,
  uncoveredPeakScore: 0.7,
};

export const NO_CONFIDENCE: Confidence = {
  score: 0,
  factors: [{ name: "data", score: 0, detail: "not enough data" }],
};

/** Peaks above the per-pod CPU the proposal requests (at its replica count). */
export function uncoveredPeaks(p: Proposal, peaks: PeriodicPeak[]): PeriodicPeak[] {
  const request = p.containers.reduce((sum, c) => sum + effectiveCpu(c.proposed), 0);
  if (request <= 0) return [];
  return peaks.filter((k) => k.perPodCpu * p.loadFactor > request);
}

/** The factors for how far the past predicts the future; each 1 when it does. */
export function stationarityFactors(p: Proposal, peaks: PeriodicPeak[], s: ConfidenceSettings): Factor[] {
  const factors: Factor[] = [];
  let trend = { score: 1, detail: "no sustained growth or decline" };
  let step = { score: 1, detail: "no step change" };
  let tail = { score: 1, detail: "no heavy tail" };
  for (const c of p.containers) {
    const e = c.evidence;
    if (!e) continue;
    for (const [what, t] of [
      ["CPU", e.trends?.cpu],
      ["memory", e.trends?.memory],
    ] as const) {
      if (!t?.significant) continue;
      const score = 1 / (1 + s.trendWeight * Math.abs(t.shareOverHorizon));
      if (score < trend.score)
        trend = {
          score,
          detail: `${c.name}: ${what} ${t.slopePerDay > 0 ? "grows" : "declines"} ${pct(Math.abs(t.shareOverHorizon))} by the horizon (R² ${t.r2.toFixed(2)}, ${t.days} days)`,
        };
    }
    const moved = e.trends?.memoryStep ?? e.trends?.cpuStep;
    if (moved && s.stepScore < step.score)
      step = {
        score: s.stepScore,
        detail: `${c.name}: ${e.trends?.memoryStep ? "memory" : "CPU"} changed level after day ${moved.at} (${pct(moved.after / moved.before - 1)})`,
      };
    const cpuTail = e.cpu.p95 > 0 ? e.cpu.p99 / e.cpu.p95 : 1;
    const memTail = e.memory.p95 > 0 ? e.memory.max / e.memory.p95 : 1;
    const ratio = Math.max(cpuTail, memTail);
    if (ratio > s.tailRatio && s.tailRatio / ratio < tail.score)
      tail = {
        score: s.tailRatio / ratio,
        detail:
          cpuTail >= memTail
            ? `${c.name}: CPU p99 is ${cpuTail.toFixed(1)}x p95`
            : `${c.name}: memory peak is ${memTail.toFixed(1)}x p95`,
      };
  }
  const missed = uncoveredPeaks(p, peaks);
  const peak = missed[0]
    ? {
        score: s.uncoveredPeakScore,
        detail: `${describePeak(missed[0])} needs ${Math.round(missed[0].perPodCpu * p.loadFactor)}m per pod, above the request`,
      }
    : { score: 1, detail: peaks.length ? "daily peaks fit in the request" : "no daily peak" };
  factors.push(
    { name: "trend", score: round2(trend.score), detail: trend.detail },
    { name: "stepChange", score: round2(step.score), detail: step.detail },
    { name: "tail", score: round2(tail.score), detail: tail.detail },
    { name: "periodicPeaks", score: round2(peak.score), detail: peak.detail },
  );
  return factors;
}

export function scoreConfidence(
  usage: WorkloadUsage,
  evidence: ContainerEvidence[],
  historySeconds: number,
  s: ConfidenceSettings,
  future: Factor[] = [],
): Confidence {
  if (evidence.length === 0) return NO_CONFIDENCE;
  const windowSeconds = Math.max(1, usage.window.end - usage.window.start);
  const coverage = clamp(Math.min(...evidence.map((e) => e.coverage)));
  // As the VPA recommender does: a short history is scaled down against the window asked for.
  const history = clamp(historySeconds / windowSeconds);
  const fewest = Math.min(...evidence.map((e) => e.samples));
  const samples = clamp(fewest / s.fullSamples);
  const daily = dailyStability(usage.profile);
  const stability = daily ? clamp(1 - daily.meanCv / s.cvAtZero) : s.unknownStability;

  const factors: Factor[] = [
    { name: "coverage", score: round2(coverage), detail: `${pct(coverage)} of the window has data` },
    {
      name: "history",
      score: round2(history),
      detail: `${days(historySeconds)} of history for a ${days(windowSeconds)} window`,
    },
    { name: "samples", score: round2(samples), detail: `${fewest} samples (full score at ${s.fullSamples})` },
    {
      name: "stability",
      score: round2(stability),
      detail: daily
        ? `the same hour varies ${pct(daily.meanCv)} from one weekday to the next (${daily.days} weekdays)`
        : "fewer than two weekdays of data: day-to-day stability unknown",
    },
  ];
  const product = coverage * history * samples * stability;
  const predictive = future.reduce((m, f) => m * f.score, 1);
  return { score: round2(product ** (1 / 4) * predictive), factors: [...factors, ...future] };
}

function clamp(v: number): number {
  return Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0;
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

function pct(v: number): string {
  return `${Math.round(v * 100)}%`;
}

function days(seconds: number): string {
  const d = seconds / 86400;
  return d >= 1 ? `${Math.round(d * 10) / 10}d` : `${Math.round((seconds / 3600) * 10) / 10}h`;
}
