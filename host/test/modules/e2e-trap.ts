// Test module for the host's end-to-end failure tests: network filter root "e2e_trap" that traps
// (`unreachable`) when a connection's first bytes are "trap" and overflows the stack on "deep",
// poisoning its VM (docs §9); singleton root "e2e_trap_service" traps in its first on_tick (main thread).
export * from "../../../abi/assembly/exports";

import { registerRootContext, RootContext, TcpContext, FilterStatus } from "../../../abi/assembly";

class TrapRoot extends RootContext {
  createStreamContext(id: u32): TcpContext | null {
    return new TrapConn(id, this);
  }
}

// Unbounded recursion: the engine's stack limit is the trap.
function recurse(n: u32): u32 {
  return n == 0 ? 0 : recurse(n + 1) + 1;
}

class TickTrapRoot extends RootContext {
  onVmStart(vmConfigSize: u32): bool {
    this.setTickPeriod(20);
    return true;
  }

  onTick(): void {
    unreachable();
  }
}

class TrapConn extends TcpContext {
  onDownstreamData(length: u32, endOfStream: bool): u32 {
    const data = this.getDownstreamData(0, 4);
    if (data !== null && data.byteLength == 4) {
      const b = Uint8Array.wrap(data);
      if (b[0] == 0x74 && b[1] == 0x72 && b[2] == 0x61 && b[3] == 0x70) unreachable(); // "trap"
      if (b[0] == 0x64 && b[1] == 0x65 && b[2] == 0x65 && b[3] == 0x70) recurse(1); // "deep"
    }
    return FilterStatus.Continue;
  }
}

registerRootContext("e2e_trap", (id: u32): RootContext => new TrapRoot(id));
registerRootContext("e2e_trap_service", (id: u32): RootContext => new TickTrapRoot(id));
