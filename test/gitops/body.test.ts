import { describe, expect, it } from "vitest";
import type { OptimizationType } from "../../src/api/types.js";
import { renderAssessment } from "../../src/gitops/body/assessment.js";
import { renderChanges } from "../../src/gitops/body/changes.js";
import { renderChart } from "../../src/gitops/body/chart.js";
import { renderCommands } from "../../src/gitops/body/commands.js";
import { renderEvidence } from "../../src/gitops/body/evidence.js";
import { usd } from "../../src/gitops/body/format.js";
import { renderBody } from "../../src/gitops/body/index.js";
import { renderPolicy } from "../../src/gitops/body/policy.js";
import { renderRestored, renderRollback } from "../../src/gitops/body/rollback.js";
import { renderSummary } from "../../src/gitops/body/summary.js";
import { describeChange, labelsFor, renderTitle } from "../../src/gitops/body/title.js";
import { type ProposalMetadata, parseMetadata } from "../../src/gitops/metadata.js";
import type { PlacementChange, Recommendation, ScheduledScalingChange } from "../../src/recommend/types.js";
import { TEST_KEY } from "../support/metadata-key.js";
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

/** The metadata block of a proposal of shop/web-cost. */
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

/** The whole description of shop/web-cost's proposal of `rec`. */
const render = (rec: Recommendation) =>
  renderBody({
    recommendation: rec,
    spec: SPEC,
    policyKey: "shop/web-cost",
    fields: FIELDS,
    createdFiles: [],
    metadata,
    metadataKey: TEST_KEY,
  });

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
    // Only a shortage fix is opened without a saving: its title says it raises.
    expect(renderTitle(recommendation({ monthlySavings: -4.5 }))).toBe(
      "costopt: web raise CPU and memory (adds $4.50/mo)",
    );
  });
});

describe("the summary sentence reads well for every optimization type", () => {
  const Mi = 2 ** 20;
  const app = recommendation().containers[0] as Recommendation["containers"][number];
  const same = { ...app, proposed: app.current };
  const cpuOnly = { ...app, proposed: { ...app.current, cpuRequest: 250 } };
  const memoryOnly = { ...app, proposed: { ...app.current, memoryRequest: 384 * Mi, memoryLimit: 384 * Mi } };
  const fixed = { current: 6, proposed: 6, field: "spec.replicas" } as const;
  const placement: PlacementChange = {
    capacityType: "spot",
    nodeAffinity: {},
    tolerations: [],
    eligibility: [],
  };
  const schedule: ScheduledScalingChange = {
    fileName: "web-scaledobject.yaml",
    scaledObject: {},
    windows: [{ days: [0, 6], startHour: 0, durationHours: 24, desiredReplicas: 1 }],
    baselineReplicas: 3,
  };
  const opening = (over: Partial<Recommendation>) =>
    renderSummary(recommendation(over), "7d").split(", based on")[0];

  it.each<[OptimizationType, Partial<Recommendation>, string]>([
    ["CPU", { containers: [cpuOnly] }, "costopt proposes to **right-size CPU** for Deployment `shop/web`"],
    [
      "MEMORY",
      { containers: [memoryOnly] },
      "costopt proposes to **right-size memory** for Deployment `shop/web`",
    ],
    [
      "REPLICAS",
      { containers: [same], replicas: { ...fixed, proposed: 5 } },
      "costopt proposes to **set replicas 6 -> 5** for Deployment `shop/web`",
    ],
    [
      "SPOT_INSTANCES",
      { containers: [same], placement },
      "costopt proposes to **move** Deployment `shop/web` **to spot capacity**",
    ],
    [
      "SCHEDULED_SCALING",
      { containers: [same], scheduledScaling: schedule },
      "costopt proposes to **scale** Deployment `shop/web` **on a schedule** (1 replica in quiet hours, 3 otherwise)",
    ],
    [
      "ALL",
      { replicas: { ...fixed, proposed: 5 }, placement, scheduledScaling: schedule },
      "costopt proposes to **right-size CPU and memory** for Deployment `shop/web`, **set its replicas 6 -> 5**, " +
        "**move it to spot capacity** and **scale it on a schedule** (1 replica in quiet hours, 3 otherwise)",
    ],
  ])("%s", (type, over, expected) => {
    expect(opening({ optimizationType: type, ...over })).toBe(expected);
  });

  it("names the HorizontalPodAutoscaler whose minimum changes, and says when nothing changes", () => {
    expect(
      opening({
        containers: [same],
        replicas: { current: 4, proposed: 2, field: "hpa.minReplicas", hpaName: "web" },
      }),
    ).toBe(
      "costopt proposes to **set minReplicas 4 -> 2** on HorizontalPodAutoscaler `web` of Deployment `shop/web`",
    );
    expect(opening({ containers: [same], replicas: fixed })).toBe(
      "costopt proposes no change to Deployment `shop/web`",
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
      renderSummary(recommendation({ decision: { ...recommendation().decision, stepped: true } })),
    ).toContain("cut back to the policy's maxChangePercent");
  });

  it("lists scheduled scaling's quiet windows by day name and hour", () => {
    const md = renderChanges(
      recommendation({
        scheduledScaling: {
          fileName: "web-scaledobject.yaml",
          scaledObject: {},
          windows: [
            { days: [6, 0], startHour: 0, durationHours: 24, desiredReplicas: 1 },
            { days: [1, 2, 3, 4, 5], startHour: 22, durationHours: 8, desiredReplicas: 2 },
          ],
          baselineReplicas: 3,
        },
      }),
    );
    expect(md).toContain(
      "**Scheduled scaling**: a new KEDA ScaledObject, `web-scaledobject.yaml`, keeps 3 replicas except in these quiet windows (UTC):\n\n" +
        "- Sat, Sun from 00:00 for 24 h: 1 replica\n- Mon, Tue, Wed, Thu, Fri from 22:00 for 8 h: 2 replicas",
    );
  });

  it("says a safety increase adds to the bill rather than saving a negative amount", () => {
    expect(renderSummary(recommendation({ monthlySavings: -4.5, optimizedCost: 125 }))).toContain(
      "It adds about **$4.50 a month** ($121 -> $125)",
    );
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

  it("lists the evidence per container, measured memory in Mi, or Gi to one decimal from 1Gi", () => {
    expect(renderEvidence(recommendation())).toContain(
      "| `app` | 120m / 180m / 200m / 240m / 310m | 290Mi / 320Mi | 2016 | 98% | 0 | 1 |",
    );
    const measured = (p95: number, max: number) => {
      const rec = recommendation();
      if (rec.containers[0]?.evidence) rec.containers[0].evidence.memory = { p95, max };
      return renderEvidence(rec);
    };
    expect(measured(755_539_304, 793_521_833)).toContain("| 721Mi / 757Mi |");
    expect(measured(1_503_238_554, 2_410_000_000)).toContain("| 1.4Gi / 2.2Gi |");
    expect(measured(2 * 2 ** 30, 3 * 2 ** 30)).toContain("| 2Gi / 3Gi |");
    expect(measured(755_539_304, 793_521_833)).not.toMatch(/\d{6,}/);
  });

  it("shows memory settings a manifest wrote in decimal units as written, not in bytes", () => {
    const rec = recommendation();
    const app = rec.containers[0];
    if (app) app.current = { ...app.current, memoryRequest: 500_000_000, memoryLimit: 500_000_000 };
    const md = renderChanges(rec);
    expect(md).toContain("| memory request | 500M | **384Mi** | -19% |");
    expect(md).not.toContain("500000000");
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
    expect(policy).toContain(
      "- ✅ confidence 0.86 meets minConfidence 0.7\n- ✅ risk LOW is within maxRiskLevel MEDIUM",
    );
    expect(policy).not.toContain("Cut back");
  });

  it("lists what maxChangePercent cut back apart from the gate verdicts", () => {
    const step = "maxChangePercent 50: app CPU request 1 -> 100m (-90%) stepped to 500m";
    const rec = recommendation();
    const policy = renderPolicy("shop/web-cost", SPEC, {
      ...rec,
      decision: { ...rec.decision, stepped: true, steps: [step], reasons: [step, ...rec.decision.reasons] },
    });
    expect(policy).toMatch(
      /- ✅ risk LOW is within maxRiskLevel MEDIUM\n\nCut back to maxChangePercent:\n\n- maxChangePercent 50: app CPU request/,
    );
    expect(policy).not.toContain(`✅ ${step}`);
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

  it("heads the revert's table with the value now in place and the one it restores", () => {
    expect(renderRestored(FIELDS, ["k8s/web-scaledobject.yaml"])).toBe(
      [
        "### Restored values",
        "",
        "| File | Field | Current | Restored |",
        "|---|---|---|---|",
        '| `k8s/web.yaml` (doc 0) | `/spec/template/spec/containers/0/resources/requests/cpu` | `"250m"` | `"500m"` |',
        "| `k8s/web-scaledobject.yaml` | whole file | present | removed |",
      ].join("\n"),
    );
  });

  it("assembles every section and ends with metadata that parses back", () => {
    const body = render(recommendation());
    for (const heading of [
      "### Changes",
      "### Evidence",
      "### Usage",
      "### Confidence and risk",
      "### Policy",
      "### Rolling back",
    ])
      expect(body).toContain(heading);
    expect(parseMetadata(body, TEST_KEY)).toEqual(metadata);
  });
});

describe("a description too long for GitHub", () => {
  /** A workload with `n` containers, each changing CPU and memory. */
  const wide = (n: number) => {
    const base = recommendation();
    const c = base.containers[0] as Recommendation["containers"][number];
    return recommendation({
      containers: Array.from({ length: n }, (_, i) => ({ ...c, name: `sidecar-${i}` })),
    });
  };

  it("gives up whole sections, evidence first, and never splits a table or code fence", () => {
    for (const n of [40, 150, 400, 1500]) {
      const body = render(wide(n));
      expect(body.length, `${n} containers`).toBeLessThanOrEqual(65_536);
      const lines = body.split("\n");
      // Every fence opened is closed, every table row is whole, <details> balance.
      expect(lines.filter((l) => /^\s*```/.test(l)).length % 2).toBe(0);
      for (const l of lines.filter((l) => l.startsWith("|"))) expect(l.endsWith("|"), l).toBe(true);
      expect(body.split("<details>").length).toBe(body.split("</details>").length);
      expect(parseMetadata(body, TEST_KEY)?.policy).toBe("shop/web-cost");
      expect(body).toContain("### Changes");
    }
    const shortened = render(wide(400));
    expect(shortened).toContain(
      "_Left out: the description would exceed GitHub's 65,536-character limit; see the diff._",
    );
    expect(render(wide(2))).not.toContain("_Left out");
  });

  it("keeps whole blocks of the changes when even they do not fit, saying so", () => {
    const body = render(wide(1500));
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(body).toContain("sidecar-0");
    expect(body).not.toContain("sidecar-1499");
    const changes = body.slice(body.indexOf("### Changes"));
    expect(changes).toContain("_Left out:");
  });
});
