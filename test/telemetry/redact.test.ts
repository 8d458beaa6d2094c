import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/telemetry/logger.js";
import { redactText, redactUrl } from "../../src/telemetry/redact.js";

describe("redactUrl", () => {
  it.each([
    ["https://user:hunter2@prom.example:9090/prom", "https://user:***@prom.example:9090/prom"],
    ["https://ghp_abc123@github.com/acme/deploy.git", "https://***@github.com/acme/deploy.git"],
    ["rediss://default:hunter2@redis:6380/0", "rediss://default:***@redis:6380/0"],
    ["redis://redis:6379/0?password=hunter2&db=1", "redis://redis:6379/0?password=***&db=1"],
    ["http://prom:9090/api?access_token=hunter2&q=up", "http://prom:9090/api?access_token=***&q=up"],
    ["http://prom:9090/api/v1/query?query=up", "http://prom:9090/api/v1/query?query=up"],
    // Not valid URLs: redacted by pattern, never echoed whole.
    ["http://user:hunter2@bad host:9090", "http://user:***@bad host:9090"],
    ["redis://:hunter2@[::1", "redis://:***@[::1"],
    ["redis://h:6379?password=hunter2 extra", "redis://h:6379?password=***"],
  ])("%s -> %s", (raw, shown) => {
    expect(redactUrl(raw)).toBe(shown);
    expect(redactUrl(raw)).not.toContain("hunter2");
  });

  it("redacts every URL inside free text, and the logger passes everything through it", () => {
    const text = "connect ECONNREFUSED https://admin:hunter2@prom:9090/ (was redis://:hunter2@r:6379)";
    expect(redactText(text)).toBe(
      "connect ECONNREFUSED https://admin:***@prom:9090/ (was redis://:***@r:6379)",
    );
    const lines: string[] = [];
    const log = createLogger("info", {}, (l) => lines.push(l));
    log.warn(`cannot reach ${"https://admin:hunter2@prom:9090"}`, {
      url: "redis://:hunter2@r:6379",
      err: new Error(text),
    });
    expect(lines.join("")).not.toContain("hunter2");
    expect(lines.join("")).toContain("https://admin:***@prom:9090");
  });

  it("never echoes a malformed PROMETHEUS_URL or REDIS_URL with its password in the configuration error", () => {
    const load = () =>
      loadConfig({ PROMETHEUS_URL: "https://costopt:hunter2@prom:bad", REDIS_URL: "redis://:hunter2@[::1" });
    expect(load).toThrow(/PROMETHEUS_URL: must be a URL, got "https:\/\/costopt:\*\*\*@prom:bad"/);
    expect(load).toThrow(/REDIS_URL: must be a URL, got "redis:\/\/:\*\*\*@\[::1"/);
    expect(load).not.toThrow(/hunter2/);
  });

  it("checks the Prometheus auth settings together", () => {
    expect(() => loadConfig({ PROMETHEUS_USERNAME: "costopt" })).toThrow(
      /PROMETHEUS_USERNAME and PROMETHEUS_PASSWORD go together/,
    );
    expect(() =>
      loadConfig({ PROMETHEUS_BEARER_TOKEN_FILE: "/t", PROMETHEUS_USERNAME: "u", PROMETHEUS_PASSWORD: "p" }),
    ).toThrow(/choose one way to authenticate/);
  });
});
