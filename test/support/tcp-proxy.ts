// A loopback TCP forwarder that can be taken down and brought back on the same port: a
// backend (Prometheus, say) becomes unreachable (connection refused) and reachable again
// without the service under test being reconfigured; or forwarded to another backend on the
// same address (a server restarted with other data).

import { createConnection, createServer, type Server, type Socket } from "node:net";

export interface TcpProxy {
  url: string;
  port: number;
  /** Stops listening and cuts open connections: clients get ECONNREFUSED. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  /** Cuts open connections; new ones go to targetPort. */
  retarget(targetPort: number): void;
  /** Connections accepted while up. */
  readonly connections: number;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let target = targetPort;
  let server: Server | undefined;
  let port = 0;
  let connections = 0;

  const listen = async () => {
    const s = createServer((client) => {
      connections++;
      const upstream = createConnection({ host: "127.0.0.1", port: target });
      for (const sock of [client, upstream]) {
        sockets.add(sock);
        sock.on("close", () => sockets.delete(sock));
        sock.on("error", () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      s.once("error", reject);
      s.listen(port, "127.0.0.1", resolve);
    });
    port = (s.address() as { port: number }).port;
    server = s;
  };

  await listen();
  return {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    port,
    get connections() {
      return connections;
    },
    async down() {
      const s = server;
      server = undefined;
      for (const sock of sockets) sock.destroy();
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    up: listen,
    retarget(next) {
      target = next;
      for (const sock of sockets) sock.destroy();
    },
  };
}
