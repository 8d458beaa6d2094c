// Leader election against the Kubernetes API test double. Each instance gets its own clock
// that only the test moves, so "not before the lease has run out on pod-b's own clock" is an
// exact statement: the attempts are driven one by one, or by the real retry loop with the
// clock standing still, where the only way to lead is the behaviour under test.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LeaderElector } from "../../src/kube/lease.js";
import type { Logger } from "../../src/telemetry/logger.js";
import { silentLogger } from "../../src/telemetry/logger.js";
import { ManualClock } from "../support/clock.js";
import { FakeKubeApi, kubeFor } from "../support/kube-api.js";
import { waitFor } from "../support/wait.js";

const LEASE_MS = 1000;

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

function elector(identity: string, log: string[], clock: ManualClock, logger: Logger = silentLogger) {
  const e = new LeaderElector({
    kube: kubeFor(api.url),
    namespace: "costopt-system",
    name: "costopt-leader",
    identity,
    leaseDurationMs: LEASE_MS,
    retryPeriodMs: 20,
    log: logger,
    now: clock.now,
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

/** Lease reads by the API double, to wait for "another attempt has happened". */
const leaseReads = () =>
  api.requests.filter((r) => r.method === "GET" && r.path.includes("/leases/costopt-leader")).length;

describe("leader election on a coordination.k8s.io Lease", () => {
  it("lets exactly one of two instances lead while the holder renews, however long that lasts", async () => {
    const log: string[] = [];
    const [ca, cb] = [new ManualClock(), new ManualClock()];
    const a = elector("pod-a", log, ca);
    const b = elector("pod-b", log, cb);
    expect(await a.tryAcquireOrRenew()).toBe(true);
    // Ten lease durations pass; pod-a renews twice a lease, pod-b tries just as often.
    for (let i = 0; i < 20; i++) {
      ca.advance(LEASE_MS / 2);
      cb.advance(LEASE_MS / 2);
      expect(await a.tryAcquireOrRenew()).toBe(true);
      expect(await b.tryAcquireOrRenew()).toBe(false);
    }
    expect([a.isLeader, b.isLeader]).toEqual([true, false]);
    expect(holder()).toMatchObject({ holderIdentity: "pod-a", leaseTransitions: 0 });
    expect(log).toEqual(["pod-a leads"]);
  });

  it("hands over after the holder stops renewing, not before the lease has run out on pod-b's clock", async () => {
    const log: string[] = [];
    const [ca, cb] = [new ManualClock(), new ManualClock()];
    const a = elector("pod-a", log, ca);
    const b = elector("pod-b", log, cb);
    await a.tryAcquireOrRenew();
    expect(await b.tryAcquireOrRenew()).toBe(false); // pod-b first sees the record here
    // pod-a has crashed: nobody renews. Until a whole lease has passed on pod-b's clock, it waits.
    cb.advance(LEASE_MS - 1);
    expect(await b.tryAcquireOrRenew()).toBe(false);
    cb.advance(1);
    expect(await b.tryAcquireOrRenew()).toBe(true);
    expect(holder()).toMatchObject({ holderIdentity: "pod-b", leaseTransitions: 1 });
    // pod-a comes back (its clock still before its own lease end) and finds itself replaced.
    expect(await a.tryAcquireOrRenew()).toBe(false);
    expect(log).toEqual(["pod-a leads", "pod-b leads", "pod-a stops"]);
  });

  it("hands over at once when the holder shuts down cleanly", async () => {
    const log: string[] = [];
    // Both clocks stand still: the lease can never expire, so pod-b can lead only by the release.
    const a = elector("pod-a", log, new ManualClock());
    const b = elector("pod-b", log, new ManualClock());
    a.start();
    await waitFor(() => a.isLeader, "pod-a to lead");
    b.start();
    const seen = leaseReads();
    await waitFor(() => leaseReads() >= seen + 4 || undefined, "pod-b to try a few times");
    expect(b.isLeader).toBe(false);
    await a.stop();
    await waitFor(() => b.isLeader, "pod-b to take over");
    expect(log).toEqual(["pod-a leads", "pod-a stops", "pod-b leads"]);
  });

  it("keeps leading through a short API outage and steps down when it outlasts the lease", async () => {
    const log: string[] = [];
    const failures: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (msg: string) => failures.push(msg) };
    const clock = new ManualClock();
    const a = elector("pod-a", log, clock, logger);
    a.start();
    await waitFor(() => a.isLeader, "pod-a to lead");
    await api.stop();
    // The loop keeps failing while the clock stands still inside the lease: still the leader.
    await waitFor(() => failures.length >= 3 || undefined, "three failed renewals");
    expect(a.isLeader).toBe(true);
    clock.advance(LEASE_MS);
    await waitFor(() => !a.isLeader, "pod-a to step down");
    expect(log).toEqual(["pod-a leads", "pod-a stops"]);
    await api.start();
  });
});
