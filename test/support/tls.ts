// A throwaway self-signed certificate for 127.0.0.1/localhost, standing in for the one
// cert-manager mounts into the admission webhook's pod.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function selfSignedCert(): { certFile: string; keyFile: string; cert: Buffer; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), "costopt-tls-"));
  const certFile = join(dir, "tls.crt");
  const keyFile = join(dir, "tls.key");
  execFileSync(
    "openssl",
    [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
      ...["-keyout", keyFile, "-out", certFile, "-days", "1", "-subj", "/CN=localhost"],
      ...["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
    ],
    { stdio: "ignore" },
  );
  return { certFile, keyFile, cert: readFileSync(certFile), dir };
}

/** A throwaway CA and a client certificate it signed (CN = `cn`), as a cluster's client CA issues for kubeconfigs. */
export function clientCertificate(cn: string): { ca: Buffer; cert: Buffer; key: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), "costopt-client-cert-"));
  const f = (name: string) => join(dir, name);
  const run = (args: string[]) => execFileSync("openssl", args, { stdio: "ignore" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  run([
    "req",
    "-x509",
    ...ec,
    "-keyout",
    f("ca.key"),
    "-out",
    f("ca.crt"),
    "-days",
    "1",
    "-subj",
    "/CN=test-ca",
  ]);
  run(["req", ...ec, "-keyout", f("client.key"), "-out", f("client.csr"), "-subj", `/CN=${cn}/O=costopt`]);
  run([
    ...["x509", "-req", "-in", f("client.csr"), "-CA", f("ca.crt"), "-CAkey", f("ca.key")],
    ...["-CAcreateserial", "-out", f("client.crt"), "-days", "1"],
  ]);
  return {
    ca: readFileSync(f("ca.crt")),
    cert: readFileSync(f("client.crt")),
    key: readFileSync(f("client.key")),
  };
}
