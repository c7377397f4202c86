// Entry of build/filter.wasm. Only the ABI entry points are exported; everything else is internal.
export * from "../../abi/assembly/exports";

import { registerFilter } from "./filter";

registerFilter();
