import { describe, expect, it } from "vitest";
import { ConfigError, envTable, loadConfig } from "../../src/config.js";

describe("service configuration from the environment", () => {
  it("starts with documented defaults when nothing is set", () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      host: "127.0.0.1",
      port: 8080,
      admissionPort: 8443,
      watchNamespaces: [],
      resyncSeconds: 1800,
      leaseDurationSeconds: 15,
      leaseRenewSeconds: 5,
      healthThrottlingThreshold: 0.25,
    });
  });

  it("reads namespaces, durations and the GitHub App settings", () => {
    const c = loadConfig({
      WATCH_NAMESPACES: "shop, payments",
      RESYNC_INTERVAL: "1h30m",
      APP_ID: "123",
      PRIVATE_KEY: "pem",
      WEBHOOK_SECRET: "s",
    });
    expect(c.watchNamespaces).toEqual(["shop", "payments"]);
    expect(c.resyncSeconds).toBe(5400);
    expect(c.appId).toBe(123);
  });

  it("reports every bad variable at once, by name", () => {
    let err: unknown;
    try {
      loadConfig({ PORT: "80a", WATCH_NAMESPACES: "Shop", RESYNC_INTERVAL: "soon", APP_ID: "1" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      "PORT: must be an integer from 1 to 65535",
      "WATCH_NAMESPACES: not valid namespace names: Shop",
      'RESYNC_INTERVAL: must be a duration such as 30s, 15m, 1h or 1h30m, got "soon"',
      "APP_ID is set: PRIVATE_KEY or PRIVATE_KEY_PATH is required",
      "APP_ID is set: WEBHOOK_SECRET is required",
    ]);
  });

  it("needs the repository that holds the policies in local mode", () => {
    expect(() => loadConfig({ POLICY_SOURCE: "repository" })).toThrow(
      "POLICY_SOURCE=repository: DEFAULT_REPOSITORY (the repository holding the policies) is required",
    );
    expect(() => loadConfig({ POLICY_SOURCE: "git" })).toThrow(
      'POLICY_SOURCE: must be one of kubernetes, repository, got "git"',
    );
    expect(loadConfig({ POLICY_SOURCE: "repository", DEFAULT_REPOSITORY: "acme/deploy" }).policySource).toBe(
      "repository",
    );
  });

  it("documents every variable in one table", () => {
    const table = envTable();
    for (const name of ["PORT", "WATCH_NAMESPACES", "RESYNC_INTERVAL", "LEASE_DURATION", "HEALTH_WINDOW"]) {
      expect(table).toContain(`| \`${name}\` |`);
    }
  });
});
