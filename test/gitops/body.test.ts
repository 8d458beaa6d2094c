import { describe, expect, it } from "vitest";
import { renderAssessment } from "../../src/gitops/body/assessment.js";
import { renderChanges } from "../../src/gitops/body/changes.js";
import { renderChart } from "../../src/gitops/body/chart.js";
import { renderCommands } from "../../src/gitops/body/commands.js";
import { renderEvidence } from "../../src/gitops/body/evidence.js";
import { usd } from "../../src/gitops/body/format.js";
import { renderBody } from "../../src/gitops/body/index.js";
import { renderPolicy } from "../../src/gitops/body/policy.js";
import { renderRollback } from "../../src/gitops/body/rollback.js";
import { renderSummary } from "../../src/gitops/body/summary.js";
import { describeChange, labelsFor, renderTitle } from "../../src/gitops/body/title.js";
import { type ProposalMetadata, parseMetadata } from "../../src/gitops/metadata.js";
import { recommendation, SPEC } from "./recommendation.js";

const FIELDS = [
  {
    path: "k8s/web.yaml",
    document: 0,
    pointer: "/spec/template/spec/containers/0/resources/requests/cpu",
    before: "500m",
    after: "250m",
  },
];

describe("title and labels", () => {
  it("names the workload, what changes and the monthly saving", () => {
    expect(renderTitle(recommendation())).toBe("costopt: web right-size CPU and memory (saves $40.25/mo)");
    expect(labelsFor(recommendation({ risk: { level: "MEDIUM", score: 0.4, factors: [] } }))).toEqual([
      "cost-optimization",
      "risk:medium",
    ]);
  });

  it("describes replica, HPA, spot and schedule changes", () => {
    const rec = recommendation({
      containers: [],
      replicas: { current: 4, proposed: 2, field: "hpa.minReplicas", hpaName: "web" },
      monthlySavings: 1234.4,
    });
    expect(renderTitle(rec)).toBe("costopt: web HPA minReplicas 4 -> 2 (saves $1,234/mo)");
    expect(describeChange(recommendation({ containers: [], replicas: undefined }))).toBe("no change");
    expect(usd(3)).toBe("$3.00");
    expect(renderTitle(recommendation({ monthlySavings: -4.5 }))).toBe(
      "costopt: web right-size CPU and memory (adds $4.50/mo)",
    );
  });
});

describe("body sections", () => {
  it("summary says what, how much data, the saving, confidence and risk", () => {
    expect(renderSummary(recommendation(), "7d")).toBe(
      "costopt proposes to **right-size CPU and memory** for Deployment `shop/web`, based on 7 days of usage " +
        "(window 7d) from file usage.om. It saves about **$40.25 a month** ($121 -> $80.25), with 86% confidence and LOW risk.",
    );
    expect(
      renderSummary(recommendation({ decision: { allowed: true, stepped: true, reasons: [] } })),
    ).toContain("cut back to the policy's maxChangePercent");
  });

  it("tables each changed container current -> proposed with the change", () => {
    const md = renderChanges(recommendation());
    expect(md).toContain("**Container `app`**");
    expect(md).toContain("| CPU request | 500m | **250m** | -50% |");
    expect(md).toContain("| CPU limit | 1 | 1 |  |");
    expect(md).toContain("| memory limit | 512Mi | **384Mi** | -25% |");
    expect(md).toContain("- CPU limit kept");
    expect(
      renderChanges(recommendation({ notes: ["an HPA targets CPU utilization: its target shifts"] })),
    ).toContain("**Notes**\n\n- an HPA targets CPU utilization: its target shifts");
  });

  it("lists the evidence per container, measured memory in whole MiB", () => {
    expect(renderEvidence(recommendation())).toContain(
      "| `app` | 120m / 180m / 200m / 240m / 310m | 290Mi / 320Mi | 2016 | 98% | 0 | 1 |",
    );
    const rec = recommendation();
    if (rec.containers[0]?.evidence)
      rec.containers[0].evidence.memory = { p95: 650_783_383, max: 670_498_129 };
    expect(renderEvidence(rec)).toContain("| 621Mi / 639Mi |");
  });

  it("draws usage against the current and proposed request as a Mermaid xychart", () => {
    const md = renderChart(recommendation());
    expect(md).toContain(
      '```mermaid\nxychart-beta\n  title "app: CPU (millicores)"\n  x-axis [p50, p90, p95, p99, max]',
    );
    expect(md).toContain(
      "  bar [120, 180, 200, 240, 310]\n  line [500, 500, 500, 500, 500]\n  line [250, 250, 250, 250, 250]",
    );
    expect(md).toContain("  bar [290, 320]\n  line [512, 512]\n  line [384, 384]");
    expect(renderChart(recommendation({ containers: [] }))).toBe("");
  });

  it("shows confidence and risk factors, the policy and every gate verdict", () => {
    expect(renderAssessment(recommendation())).toContain("| coverage | confidence 98% | 98% of the window |");
    const policy = renderPolicy("shop/web-cost", SPEC, recommendation());
    expect(policy).toContain("`shop/web-cost`: ALL, window 7d, minConfidence 70%, maxRiskLevel MEDIUM");
    expect(policy).toContain("- risk LOW <= MEDIUM");
  });

  it("tells how to roll back and what the revert restores", () => {
    const md = renderRollback(FIELDS, ["k8s/web-scaledobject.yaml"], true);
    expect(md).toContain("`/costopt rollback`");
    expect(md).toContain("\n\nThe policy has rollbackOnFailure");
    expect(md).toContain(
      '| `k8s/web.yaml` (doc 0) | `/spec/template/spec/containers/0/resources/requests/cpu` | `"500m"` | `"250m"` |',
    );
    expect(md).toContain("| `k8s/web-scaledobject.yaml` | whole file | (absent) | new file |");
    expect(renderCommands()).toContain("`/costopt ignore`");
  });

  it("assembles every section and ends with metadata that parses back", () => {
    const metadata: ProposalMetadata = {
      v: 1,
      kind: "proposal",
      policy: "shop/web-cost",
      fingerprint: "abc",
      base: "b",
      head: "h",
      fields: FIELDS,
      createdFiles: [],
      proposed: { "app/cpuRequest": 250 },
      monthlySavings: 40.25,
    };
    const body = renderBody({
      recommendation: recommendation(),
      spec: SPEC,
      policyKey: "shop/web-cost",
      fields: FIELDS,
      createdFiles: [],
      metadata,
    });
    for (const heading of [
      "### Changes",
      "### Evidence",
      "### Usage",
      "### Confidence and risk",
      "### Policy",
      "### Rolling back",
    ])
      expect(body).toContain(heading);
    expect(parseMetadata(body)).toEqual(metadata);
  });
});
