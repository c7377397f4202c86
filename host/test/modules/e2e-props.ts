// Test module for the host's end-to-end property test: network filter root "e2e_props" logs, on a
// connection's first data, the properties Envoy exposes to network filters, read through real sockets.
export * from "../../../abi/assembly/exports";

import {
  registerRootContext, RootContext, TcpContext, FilterStatus, log, getPropertyString, getPropertyI64,
} from "../../../abi/assembly";

function str(path: string[]): string {
  const v = getPropertyString(path);
  return v === null ? "<absent>" : v;
}

function int(path: string[]): string {
  return getPropertyI64(path, -1).toString();
}

class PropsRoot extends RootContext {
  createStreamContext(id: u32): TcpContext | null {
    return new PropsConn(id, this);
  }
}

class PropsConn extends TcpContext {
  private logged: bool = false;

  onDownstreamData(length: u32, endOfStream: bool): u32 {
    if (!this.logged) {
      this.logged = true;
      log.info("props src=" + str(["source", "address"]) + " sport=" + int(["source", "port"]) +
        " dst=" + str(["destination", "address"]) + " dport=" + int(["destination", "port"]) +
        " up=" + str(["upstream", "address"]) + " uport=" + int(["upstream", "port"]) +
        " conn=" + int(["connection", "id"]) + " plugin=" + str(["plugin_name"]) +
        " root=" + str(["plugin_root_id"]) + " vm=" + str(["plugin_vm_id"]) + " dotted=" + str(["source.address"]));
    }
    return FilterStatus.Continue;
  }
}

registerRootContext("e2e_props", (id: u32): RootContext => new PropsRoot(id));
