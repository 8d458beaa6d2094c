import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";

describe("costopt serve", () => {
  it("refuses to start with a bad environment, naming every problem", () => {
    const r = runCli(["serve"], {
      env: { PORT: "http", LEASE_DURATION: "5s", LEASE_RENEW_INTERVAL: "10s", KUBERNETES_SERVICE_HOST: "" },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("PORT: must be an integer from 1 to 65535");
    expect(r.stderr).toContain("LEASE_RENEW_INTERVAL must be shorter than LEASE_DURATION");
  });

  it("reports every problem found at start together, each naming its variable", async () => {
    // A port someone else holds.
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const r = runCli(["serve"], {
        env: {
          PORT: String(port),
          REDIS_URL: "redis://127.0.0.1:1",
          PROMETHEUS_URL: "",
          KUBE_API_URL: "http://127.0.0.1:1",
          KUBECONFIG: "",
          KUBERNETES_SERVICE_HOST: "",
        },
      });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`PORT: cannot listen on 127.0.0.1:${port} (EADDRINUSE)`);
      expect(r.stderr).toContain("PROMETHEUS_URL: required by costopt serve");
      expect(r.stderr).toMatch(/REDIS_URL: cannot connect to Redis at redis:\/\/127\.0\.0\.1:1/);
    } finally {
      taken.close();
    }
    // A URL of the wrong kind is named before anything is tried.
    const wrong = runCli(["serve"], {
      env: {
        PROMETHEUS_URL: "localhost:9090",
        REDIS_URL: "http://127.0.0.1:6379",
        KUBERNETES_SERVICE_HOST: "",
      },
    });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('PROMETHEUS_URL: must be a http:// or https:// URL, got "localhost:9090"');
    expect(wrong.stderr).toContain(
      'REDIS_URL: must be a redis:// or rediss:// URL, got "http://127.0.0.1:6379"',
    );
  });

  it("takes its log level from -v over LOG_LEVEL", () => {
    const env = {
      LOG_LEVEL: "chatty",
      PORT: "http",
      KUBERNETES_SERVICE_HOST: "",
    } as unknown as NodeJS.ProcessEnv;
    expect(runCli(["serve"], { env }).stderr).toContain("LOG_LEVEL: must be debug, info, warn or error");
    const r = runCli(["-v", "warn", "serve"], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("PORT: must be an integer");
    expect(r.stderr).not.toContain("LOG_LEVEL");
  });

  it("says how to reach a cluster when run outside one", () => {
    const r = runCli(["serve"], {
      env: {
        PROMETHEUS_URL: "http://127.0.0.1:9090",
        KUBERNETES_SERVICE_HOST: "",
        KUBE_API_URL: "",
        KUBECONFIG: "",
        HOME: "/nonexistent",
      },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no kubeconfig (--kubeconfig, KUBECONFIG or ~/.kube/config)");
  });

  it("stops with the variable to fix when the webhook certificate is not mounted", () => {
    const r = runCli(["serve"], {
      env: {
        PROMETHEUS_URL: "http://127.0.0.1:9090",
        KUBE_API_URL: "http://127.0.0.1:1",
        TLS_CERT_FILE: "/nonexistent/tls.crt",
        PORT: "18080",
      },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("TLS_CERT_FILE: cannot read /nonexistent/tls.crt");
  });

  it("prints its environment table", () => {
    const r = runCli(["serve", "--env"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("| `WATCH_NAMESPACES` |");
  });
});
