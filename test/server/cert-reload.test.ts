// cert-manager renews the webhook certificate in place; the server must present the new one
// without a restart, or the API server (trusting only the new CA) fails every admission.

import { copyFileSync } from "node:fs";
import { request } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { admissionHandler, createAdmissionServer } from "../../src/server/admission-server.js";
import { selfSignedCert } from "../support/tls.js";
import { waitFor } from "../support/wait.js";

let close: (() => void) | undefined;
afterEach(() => close?.());

function handshake(port: number, ca: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    // agent: false: a fresh TLS handshake each time, no reused connection or session.
    const req = request(
      { host: "127.0.0.1", port, path: "/validate", method: "GET", ca, agent: false },
      (res) => {
        res.resume();
        resolve(true);
      },
    );
    req.on("error", () => resolve(false));
    req.end();
  });
}

describe("the admission server's certificate", () => {
  it("is re-read when the mounted files change", async () => {
    const first = selfSignedCert();
    const renewed = selfSignedCert();
    const server = createAdmissionServer({ ...first, reloadMs: 50 }, admissionHandler({}));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    close = () => server.close();
    const port = (server.address() as AddressInfo).port;
    expect(await handshake(port, first.cert)).toBe(true);
    expect(await handshake(port, renewed.cert)).toBe(false);

    // The kubelet swaps the Secret's files; the key first, as an atomic symlink swap would land both.
    copyFileSync(join(renewed.dir, "tls.key"), first.keyFile);
    copyFileSync(join(renewed.dir, "tls.crt"), first.certFile);
    await waitFor(
      () => handshake(port, renewed.cert).then((ok) => ok || undefined),
      "the renewed certificate",
    );
    expect(await handshake(port, first.cert)).toBe(false);
  });
});
