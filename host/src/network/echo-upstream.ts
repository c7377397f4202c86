// A TCP echo server for `npm start`, e2e tests and benchmarks. It honours half-close: when the client
// sends FIN the server finishes echoing, then sends its own FIN (allowHalfOpen).
import net from "node:net";

export interface EchoUpstream {
  readonly address: string;
  readonly port: number;
  /** Connections accepted so far. */
  accepted(): number;
  close(): Promise<void>;
}

export function startEchoUpstream(opts: { host?: string; port?: number } = {}): Promise<EchoUpstream> {
  const host = opts.host ?? "127.0.0.1";
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    accepted++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    // pipe() gives backpressure and ends our side after the peer's FIN.
    socket.pipe(socket);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host, port: opts.port ?? 0 }, () => {
      server.off("error", reject);
      const port = (server.address() as net.AddressInfo).port;
      resolve({
        address: host,
        port,
        accepted: () => accepted,
        close: () => new Promise<void>((done) => {
          for (const s of sockets) s.destroy();
          server.close(() => done());
        }),
      });
    });
  });
}

// `node host/src/network/echo-upstream.ts [port]` runs one standalone.
if (import.meta.main) {
  const port = Number(process.argv[2] ?? 10001);
  const echo = await startEchoUpstream({ port });
  process.stderr.write(`echo upstream listening on ${echo.address}:${echo.port}\n`);
  const stop = () => { void echo.close().then(() => process.exit(0)); };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
