// Confidence 0..1: how far the evidence can be trusted. Four factors, each 0..1, combined as a
// geometric mean so one weak factor pulls the score down hard but no single one dominates.

import type { WorkloadUsage } from "../metrics/types.js";
import { dailyStability } from "./profile.js";
import type { Confidence, ContainerEvidence, Factor } from "./types.js";

export interface ConfidenceSettings {
  /** Samples per container for a full sample score. Default 2016 (a week at 5-minute steps). */
  fullSamples: number;
  /** Day-to-day coefficient of variation at which stability scores 0. Default 1 (the hour swings by its own mean). */
  cvAtZero: number;
  /** Stability score when fewer than two weekdays were seen. Default 0.5 (unknown, not bad). */
  unknownStability: number;
}

export const DEFAULT_CONFIDENCE_SETTINGS: ConfidenceSettings = {
  fullSamples: 2016,
  cvAtZero: 1,
  unknownStability: 0.5,
};

export const NO_CONFIDENCE: Confidence = {
  score: 0,
  factors: [{ name: "data", score: 0, detail: "not enough data" }],
};

export function scoreConfidence(
  usage: WorkloadUsage,
  evidence: ContainerEvidence[],
  historySeconds: number,
  s: ConfidenceSettings,
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
  return { score: round2(product ** (1 / 4)), factors };
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
