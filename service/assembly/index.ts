// Entry of build/service.wasm. Only the ABI entry points are exported; everything else is internal.
export * from "../../abi/assembly/exports";

import { registerService } from "./service";

registerService();
