import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { withGeneratedTables } from "../scripts/readme.js";

const readme = readFileSync("README.md", "utf8");

describe("README", () => {
  it("opens with the two commands that matter on a fresh machine", () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
    const commands = firstBlock
      .split("\n")
      .map((l) => l.replace(/#.*$/, "").trim())
      .filter(Boolean);
    expect(commands).toEqual(["npm ci && npm run demo", "npm test"]);
  });

  it("documents exactly the configuration the service, --pricing and .github/costopt.yml read (npm run gen:readme)", () => {
    expect(readme).toBe(withGeneratedTables(readme));
    expect(readme).toContain("| `cpuCoreHour` |");
    expect(readme).toContain("| `prHourlyLimit` |");
  });

  it("names the Secret the operator Deployment reads", () => {
    const deployment = readFileSync("manifests/operator/deployment.yaml", "utf8");
    const secret = /secretRef:\s*\n\s*name: (\S+)/.exec(deployment)?.[1];
    expect(secret).toBeDefined();
    expect(readme).toContain(`create secret generic ${secret} `);
  });
});
