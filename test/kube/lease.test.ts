import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HttpKube } from "../../src/kube/client.js";
import { LeaderElector } from "../../src/kube/lease.js";
import { silentLogger } from "../../src/telemetry/logger.js";
import { connectionFor, FakeKubeApi } from "../support/kube-api.js";
import { waitFor } from "../support/wait.js";

let api: FakeKubeApi;
let electors: LeaderElector[] = [];

beforeEach(async () => {
  api = new FakeKubeApi();
  await api.start();
  electors = [];
});
afterEach(async () => {
  await Promise.all(electors.map((e) => e.stop(false)));
  await api.stop();
});

async function elector(identity: string, log: string[]) {
  const kube = new HttpKube(connectionFor(api.url));
  const e = new LeaderElector({
    kube,
    namespace: "costopt-system",
    name: "costopt-leader",
    identity,
    leaseDurationMs: 1000,
    retryPeriodMs: 100,
    log: silentLogger,
    onStartedLeading: () => log.push(`${identity} leads`),
    onStoppedLeading: () => log.push(`${identity} stops`),
  });
  electors.push(e);
  return e;
}

const holder = () =>
  api.get("coordination.k8s.io", "v1", "leases", "costopt-system", "costopt-leader")?.spec as
    | { holderIdentity?: string; leaseTransitions?: number }
    | undefined;

/** pod-a takes the Lease, then pod-b starts competing for it. */
async function aLeadsThenBStarts() {
  const log: string[] = [];
  const a = await elector("pod-a", log);
  const b = await elector("pod-b", log);
  a.start();
  await waitFor(() => a.isLeader, "pod-a to lead");
  b.start();
  return { a, b, log };
}

describe("leader election on a coordination.k8s.io Lease", () => {
  it("lets exactly one of two instances lead", async () => {
    const { a, b, log } = await aLeadsThenBStarts();
    await new Promise((r) => setTimeout(r, 500));
    expect([a.isLeader, b.isLeader]).toEqual([true, false]);
    expect(holder()?.holderIdentity).toBe("pod-a");
    expect(log).toEqual(["pod-a leads"]);
  });

  it("hands over after the holder stops renewing and the lease expires", async () => {
    const { a, b } = await aLeadsThenBStarts();
    await new Promise((r) => setTimeout(r, 300));
    const crashedAt = Date.now();
    await a.stop(false); // a crash: no release
    await waitFor(() => b.isLeader, "pod-b to take over", 5000);
    // Not before the lease (1 s) has run out on pod-b's own clock.
    expect(Date.now() - crashedAt).toBeGreaterThanOrEqual(700);
    expect(holder()).toMatchObject({ holderIdentity: "pod-b", leaseTransitions: 1 });
  });

  it("hands over at once when the holder shuts down cleanly", async () => {
    const { a, b, log } = await aLeadsThenBStarts();
    await new Promise((r) => setTimeout(r, 200));
    await a.stop();
    const released = Date.now();
    await waitFor(() => b.isLeader, "pod-b to take over");
    expect(Date.now() - released).toBeLessThan(900);
    expect(log).toEqual(["pod-a leads", "pod-a stops", "pod-b leads"]);
  });

  it("steps down when the API server is unreachable for longer than the lease", async () => {
    const log: string[] = [];
    const a = await elector("pod-a", log);
    a.start();
    await waitFor(() => a.isLeader, "pod-a to lead");
    await api.stop();
    await waitFor(() => !a.isLeader, "pod-a to step down", 5000);
    expect(log).toEqual(["pod-a leads", "pod-a stops"]);
    await api.start();
  });
});
