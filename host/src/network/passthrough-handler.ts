// The connection handler of a listener without wasm filters: Envoy's tcp_proxy alone. It connects
// upstream on accept and forwards bytes and half-closes both ways. Also the "no filter" baseline of
// the benchmarks.
import type { ConnectionHandler, Transport } from "../contracts.ts";

export class PassthroughHandler implements ConnectionHandler {
  private readonly transport: Transport;

  constructor(transport: Transport) {
    this.transport = transport;
  }

  onNewConnection(): void {
    this.transport.connectUpstream();
  }

  onDownstreamData(chunk: Uint8Array, endStream: boolean): void {
    this.transport.writeUpstream(chunk, endStream);
  }

  onUpstreamConnected(): void {}

  onUpstreamConnectFailed(reason: string): void {
    this.transport.closeDownstream(false, reason);
  }

  onUpstreamData(chunk: Uint8Array, endStream: boolean): void {
    this.transport.writeDownstream(chunk, endStream);
  }

  onUpstreamClosed(reset: boolean): void {
    // After a clean FIN both ways the downstream side already got our FIN; a reset ends it now
    // (Envoy tcp_proxy closes the downstream with FlushWrite on upstream close).
    if (reset) this.transport.closeDownstream(true, "upstream_reset");
  }

  onDownstreamClosed(_local: boolean): void {
    this.transport.closeUpstream();
  }
}
