// This VM's identity: a process-wide sequence number taken from shared data with CAS (every filter
// VM of the process, the canary included, gets a distinct one). It names the VM in reports
// (worker_id), in the slot ledgers' holder entries and as a breaker probe's owner.
import { getSharedData, setSharedData, nowNs, WasmResult } from "../../abi/assembly";
import { CREATE_CAS } from "./ledger/cas";
import { VM_SEQ_KEY } from "./ledger/keys";

export let vmSeq: u32 = 0;
/** vmSeq in the high half, clock bits in the low half: differs between VM instances. */
export let vmNonce: u64 = 0;

export function ensureVmIdentity(): void {
  if (vmSeq != 0) return;
  for (let attempt = 0; attempt < 16 && vmSeq == 0; attempt++) {
    const r = getSharedData(VM_SEQ_KEY);
    const v = r.value;
    const found = v !== null && v.byteLength == 4;
    const cur: u32 = found ? load<u32>(changetype<usize>(v)) : 0;
    const next = new ArrayBuffer(4);
    store<u32>(changetype<usize>(next), cur + 1);
    const s = setSharedData(VM_SEQ_KEY, next, found ? r.cas : CREATE_CAS);
    if (s == WasmResult.Ok) vmSeq = cur + 1;
  }
  const ns = nowNs();
  if (vmSeq == 0) vmSeq = (<u32>ns) | 0x80000000; // shared data unusable: any distinct-enough id
  vmNonce = (<u64>vmSeq << 32) | (ns & 0xffffffff);
}
