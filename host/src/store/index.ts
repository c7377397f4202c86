export {
  SharedStore, StoreFullError, StoreCorruptError, StoreLockTimeoutError, HISTOGRAM_BOUNDS,
  type SharedStoreOptions, type AttachOptions, type HeapStats,
} from "./shared-store.ts";
