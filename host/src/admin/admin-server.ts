// Envoy's admin HTTP endpoints over the shared store:
//   GET /stats[?format=json|prometheus][&filter=<regex>], GET /stats/prometheus, GET /ready,
//   GET /server_info, GET /listeners[?format=json], POST /quitquitquit, GET / (index)
import http from "node:http";
import type { HostConfig, MetricSnapshot, SocketAddress } from "../contracts.ts";
import { logLevelName, parseLogLevel } from "../log/log-sink.ts";
import type { LogLevels } from "../log/log-sink.ts";
import { compileStatsTags, formatPrometheus, formatStatsJson, formatStatsText, statsFilter } from "./stats-format.ts";
import type { CompiledTag } from "./stats-format.ts";

export interface AdminOptions {
  address: SocketAddress;
  config: HostConfig;
  /** Called before each stats response (e.g. to refresh server.uptime). */
  snapshot: () => MetricSnapshot[];
  /** Envoy's server state: LIVE, DRAINING, PRE_INITIALIZING, INITIALIZING. */
  state: () => string;
  serverInfo: () => Record<string, unknown>;
  logLevels: LogLevels;
  onQuit: () => void;
}

export interface AdminServer {
  readonly address: SocketAddress;
  close(): Promise<void>;
}

const ENDPOINTS: [string, string][] = [
  ["/", "this list"],
  ["/listeners", "print listener info (?format=json)"],
  ["/logging", "query/change logging levels (POST ?level=<level> or ?<component>=<level>)"],
  ["/quitquitquit", "exit the server (POST)"],
  ["/ready", "print server state, return 200 if LIVE, otherwise return 503"],
  ["/server_info", "print server version/status information"],
  ["/stats", "print server stats (?format=json|prometheus, ?filter=<regex>)"],
  ["/stats/prometheus", "print server stats in prometheus format"],
];

export function isLoopback(address: string): boolean {
  return address === "localhost" || address === "::1" || address.startsWith("127.");
}

function listenersText(config: HostConfig, json: boolean): string {
  if (json) {
    return JSON.stringify({
      listener_statuses: config.listeners.map((l) => ({
        name: l.name,
        local_address: { socket_address: { address: l.address.address, port_value: l.address.port } },
      })),
    }, null, 2);
  }
  return config.listeners.map((l) => `${l.name}::${l.address.address}:${l.address.port}\n`).join("");
}

/** `?level=debug` sets every logger, `?wasm=debug` one; an unknown logger or level is a 400. */
function applyLogging(levels: LogLevels, params: URLSearchParams): void {
  for (const [key, value] of params) {
    const level = parseLogLevel(value);
    if (key === "level") levels.setAll(level);
    else levels.set(key, level);
  }
}

export function startAdminServer(opts: AdminOptions): Promise<AdminServer> {
  const tags: CompiledTag[] = compileStatsTags(opts.config.statsTags, opts.config.useAllDefaultTags);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://admin");
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { "content-type": type, "cache-control": "no-cache, max-age=0", "x-content-type-options": "nosniff" });
      res.end(body);
    };
    const text = "text/plain; charset=UTF-8";
    try {
      switch (url.pathname) {
        case "/stats": {
          const filter = statsFilter(url.searchParams.get("filter"));
          const format = url.searchParams.get("format");
          if (format === "json") return send(200, "application/json", formatStatsJson(opts.snapshot(), filter));
          if (format === "prometheus") return send(200, text, formatPrometheus(opts.snapshot(), tags, filter));
          if (format !== null && format !== "text") return send(400, text, `usage: /stats?format=(json|prometheus|text)\n`);
          return send(200, text, formatStatsText(opts.snapshot(), filter));
        }
        case "/stats/prometheus":
          return send(200, text, formatPrometheus(opts.snapshot(), tags, statsFilter(url.searchParams.get("filter"))));
        case "/ready": {
          const state = opts.state();
          return send(state === "LIVE" ? 200 : 503, text, `${state}\n`);
        }
        case "/server_info":
          return send(200, "application/json", JSON.stringify(opts.serverInfo(), null, 2));
        case "/listeners":
          return url.searchParams.get("format") === "json"
            ? send(200, "application/json", listenersText(opts.config, true))
            : send(200, text, listenersText(opts.config, false));
        case "/logging": {
          if (url.searchParams.size > 0) {
            if (req.method !== "POST") return send(405, text, "This endpoint requires POST\n");
            applyLogging(opts.logLevels, url.searchParams);
          }
          return send(200, text, "active loggers:\n" +
            opts.logLevels.list().map(([c, l]) => `  ${c}: ${logLevelName(l)}\n`).join(""));
        }
        case "/quitquitquit":
          if (req.method !== "POST") return send(405, text, "This endpoint requires POST\n");
          send(200, text, "OK\n");
          setImmediate(opts.onQuit);
          return;
        case "/":
          return send(200, text, "admin commands are:\n" + ENDPOINTS.map(([p, d]) => `  ${p}: ${d}\n`).join(""));
        default:
          return send(404, text, `invalid path. admin commands are:\n` + ENDPOINTS.map(([p]) => `  ${p}\n`).join(""));
      }
    } catch (err) {
      // Bad query input (e.g. an invalid filter regex) is the client's error, as in Envoy.
      return send(400, text, `${(err as Error).message}\n`);
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => {
      const why = err.code === "EADDRINUSE" ? "Address already in use" : err.message;
      reject(new Error(`cannot bind admin address '${opts.address.address}:${opts.address.port}': ${why}`));
    });
    server.listen({ host: opts.address.address, port: opts.address.port }, () => {
      const a = server.address() as { address: string; port: number };
      resolve({
        address: { address: a.address, port: a.port },
        close: () => new Promise<void>((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
      });
    });
  });
}
