// Test module for the host's end-to-end failure tests: network filter root "e2e_trap" that traps
// (`unreachable`) when a connection's first bytes are "trap", poisoning its VM (docs §9).
export * from "../../../abi/assembly/exports";

import { registerRootContext, RootContext, TcpContext, FilterStatus } from "../../../abi/assembly";

class TrapRoot extends RootContext {
  createStreamContext(id: u32): TcpContext | null {
    return new TrapConn(id, this);
  }
}

class TrapConn extends TcpContext {
  onDownstreamData(length: u32, endOfStream: bool): u32 {
    const data = this.getDownstreamData(0, 4);
    if (data !== null && data.byteLength == 4) {
      const b = Uint8Array.wrap(data);
      if (b[0] == 0x74 && b[1] == 0x72 && b[2] == 0x61 && b[3] == 0x70) unreachable(); // "trap"
    }
    return FilterStatus.Continue;
  }
}

registerRootContext("e2e_trap", (id: u32): RootContext => new TrapRoot(id));
