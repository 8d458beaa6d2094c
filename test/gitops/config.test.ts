import { describe, expect, it } from "vitest";
import { mentionsCostopt, parseCommand } from "../../src/gitops/commands.js";
import { DEFAULT_REPO_CONFIG, parseRepoConfig } from "../../src/gitops/config.js";

describe(".github/costopt.yml", () => {
  it("reads limits, reviewers, assignees and labels", () => {
    expect(
      parseRepoConfig(
        "prConcurrentLimit: 3\nprHourlyLimit: 0\nreviewers: [a]\nassignees: [b]\nlabels: [c]\n",
      ),
    ).toEqual({
      config: {
        ...DEFAULT_REPO_CONFIG,
        prConcurrentLimit: 3,
        prHourlyLimit: 0,
        reviewers: ["a"],
        assignees: ["b"],
        labels: ["c"],
      },
      warnings: [],
    });
    expect(parseRepoConfig(undefined)).toEqual({ config: DEFAULT_REPO_CONFIG, warnings: [] });
  });

  it("keeps the defaults for a wrong field, and says which", () => {
    expect(parseRepoConfig("prHourlyLimit: -1\nreviewers: alice\ncolour: blue\n")).toEqual({
      config: DEFAULT_REPO_CONFIG,
      warnings: [
        ".github/costopt.yml: colour: unknown setting",
        ".github/costopt.yml: prHourlyLimit: must be >= 0; using the default",
        ".github/costopt.yml: reviewers: must be array; using the default",
      ],
    });
    // Checked by the JSON Schema (REPO_CONFIG_SCHEMA): types, whole numbers, names in lists.
    expect(parseRepoConfig('prHourlyLimit: "5"\nprConcurrentLimit: 2.5\nlabels: [ok, ""]\n')).toEqual({
      config: DEFAULT_REPO_CONFIG,
      warnings: [
        ".github/costopt.yml: prConcurrentLimit: must be integer; using the default",
        ".github/costopt.yml: prHourlyLimit: must be integer; using the default",
        ".github/costopt.yml: labels.1: must NOT have fewer than 1 characters; using the default",
      ],
    });
    expect(parseRepoConfig("- a\n- b\n").warnings).toEqual([
      ".github/costopt.yml: expected a mapping; using defaults",
    ]);
  });
});

describe("/costopt commands", () => {
  it("are read from a line of their own, case-insensitively", () => {
    expect(parseCommand("/costopt rollback")).toBe("rollback");
    expect(parseCommand("Looks risky.\n\n/costopt Ignore\n")).toBe("ignore");
    expect(parseCommand("please /costopt recheck")).toBeUndefined();
    expect(parseCommand("/costopt merge")).toBeUndefined();
    expect(mentionsCostopt("/costopt merge")).toBe(true);
    expect(mentionsCostopt("costopt is great")).toBe(false);
  });
});

describe("dashboard and cost check settings", () => {
  it("reads dashboard: false, dashboardReopen and costCheck.failAbove", () => {
    expect(
      parseRepoConfig("dashboard: false\ndashboardReopen: true\ncostCheck:\n  failAbove: 50\n").config,
    ).toEqual({
      ...DEFAULT_REPO_CONFIG,
      dashboard: false,
      dashboardReopen: true,
      costCheck: { failAbove: 50 },
    });
  });

  it("keeps the defaults for wrong values, and says which", () => {
    const loaded = parseRepoConfig("dashboard: no-thanks\ncostCheck:\n  failAbove: -3\n");
    expect(loaded.config).toEqual(DEFAULT_REPO_CONFIG);
    expect(loaded.warnings).toEqual([
      ".github/costopt.yml: dashboard: must be boolean; using the default",
      ".github/costopt.yml: costCheck.failAbove: must be >= 0; using the default",
    ]);
  });
});
