// The shared arrangement of the reliability suite: per file a real Prometheus with shop/web's
// usage; per test a private Redis (so no test sees another's state and none touches the
// shared server), nock GitHub with the network closed to everything but loopback, and, unless
// a test starts its own, one costopt service. After each test every GitHub interceptor must
// have been used.

import nock from "nock";
import { afterAll, afterEach, beforeAll, beforeEach, expect } from "vitest";
import { FakeGitHub } from "../app/github.js";
import { type CostoptOptions, RunningCostopt } from "../support/costopt-service.js";
import type { RunningPrometheus } from "../support/prometheus.js";
import { type PrivateRedis, startRedis } from "../support/redis-server.js";
import { startUsagePrometheus } from "../support/usage-prometheus.js";

export interface Environment {
  prometheus: RunningPrometheus;
  redis: PrivateRedis;
  gh: FakeGitHub;
  /** The service started before each test (unless `startService: false`). */
  costopt: RunningCostopt;
  /** Starts another service against this test's Redis and Prometheus; stopped after the test. */
  start(o?: Partial<CostoptOptions>): Promise<RunningCostopt>;
}

export function environment(o: { startService?: boolean } = {}): Environment {
  const env = {} as Environment;
  let started: RunningCostopt[] = [];
  beforeAll(async () => {
    env.prometheus = await startUsagePrometheus();
  });
  afterAll(async () => {
    await env.prometheus?.stop();
  });
  beforeEach(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect("127.0.0.1");
    env.gh = new FakeGitHub();
    env.redis = await startRedis();
    env.start = async (extra = {}) => {
      const c = await RunningCostopt.start({
        prometheusUrl: env.prometheus.url,
        redisUrl: env.redis.url,
        ...extra,
      });
      started.push(c);
      return c;
    };
    if (o.startService !== false) env.costopt = await env.start();
  });
  afterEach(async () => {
    for (const c of started.reverse()) await c.stop();
    started = [];
    await env.redis.stop();
    const pending = env.gh.scope.pendingMocks();
    nock.cleanAll();
    nock.enableNetConnect();
    expect(pending).toEqual([]);
  });
  return env;
}
