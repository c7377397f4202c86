// Memory the host writes into: the module's allocator export and the rules for giving it back.
//
// Envoy copies every buffer it returns (property values, shared data, queue items, buffer bytes)
// into memory it gets by calling our `malloc` in the middle of a hostcall, then writes the pointer
// and size through out-pointers. With the incremental GC any allocation may run a GC step, so a
// block handed to the host must be invisible to the collector until the module holds a reference
// to it: malloc allocates a real ArrayBuffer object and pins it.
//
// Freeing is unpinning. Every hostcall wrapper that can make the host allocate calls
// `takeHostBuffer`/`takeHostString`/`releaseHostAllocations` right after the import returns; that
// unpins EVERY block allocated since the previous release — including blocks the host allocated
// but never reported (a host that allocates and then fails) — so nothing stays pinned across
// hostcalls. The block the caller keeps is the ArrayBuffer itself (zero copy): once unpinned it is
// an ordinary managed object, rooted by the caller's local (shadow stack) and collected when dropped.

// @ts-ignore: decorator
@inline const MAX_PENDING: i32 = 16;
// Blocks the host asked for since the last release. A static area (not a managed array) because
// malloc must not allocate anything but the block itself.
const pending: usize = memory.data(MAX_PENDING << alignof<usize>());
let pendingCount: i32 = 0;
// Allocations that did not fit in `pending` (a host asking for more than MAX_PENDING blocks in one
// hostcall; no known host does). They stay pinned, i.e. leak; counted so tests and logs can see it.
let untrackedCount: u32 = 0;

// Envoy caps VM memory at 1 GiB; a request this large can only be a host bug, and __new would
// abort (trap the VM) on it. 0 tells the host the allocation failed.
// @ts-ignore: decorator
@inline const MAX_HOST_ALLOCATION: usize = 1 << 29;

/** Shared zero-length buffer: "present but empty" without an allocation per call. */
export const EMPTY_BUFFER: ArrayBuffer = new ArrayBuffer(0);

function allocateForHost(size: usize): usize {
  if (size >= MAX_HOST_ALLOCATION) return 0;
  const ptr = __pin(__new(size, idof<ArrayBuffer>()));
  if (pendingCount < MAX_PENDING) {
    store<usize>(pending + (<usize>pendingCount << alignof<usize>()), ptr);
    pendingCount++;
  } else {
    untrackedCount++;
  }
  return ptr;
}

/** The allocator Envoy looks up first (before proxy_on_memory_allocate). */
export function malloc(size: usize): usize {
  return allocateForHost(size);
}

/** The allocator name the spec prefers; Envoy uses it only when `malloc` is absent. */
export function proxy_on_memory_allocate(size: usize): usize {
  return allocateForHost(size);
}

function isPending(ptr: usize): bool {
  for (let i = 0; i < pendingCount; i++) {
    if (load<usize>(pending + (<usize>i << alignof<usize>())) == ptr) return true;
  }
  return false;
}

/** Unpins every block the host allocated since the last release. */
export function releaseHostAllocations(): void {
  for (let i = 0; i < pendingCount; i++) {
    __unpin(load<usize>(pending + (<usize>i << alignof<usize>())));
  }
  pendingCount = 0;
}

function inLinearMemory(ptr: usize, size: usize): bool {
  const end = <u64>ptr + <u64>size;
  return end <= (<u64>memory.size() << 16);
}

/**
 * Turns (ptr, size) written by the host into an ArrayBuffer and releases the host's blocks.
 * Returns null only when the host reported memory outside the module (then the caller should
 * treat the call as InvalidMemoryAccess).
 */
export function takeHostBuffer(ptr: usize, size: usize): ArrayBuffer | null {
  let result: ArrayBuffer | null;
  if (size == 0 || ptr == 0) {
    result = EMPTY_BUFFER;
  } else if (isPending(ptr) && <usize>changetype<ArrayBuffer>(ptr).byteLength == size) {
    result = changetype<ArrayBuffer>(ptr);
  } else if (inLinearMemory(ptr, size)) {
    // Not a block of ours (or a partial one): copy, so we never adopt memory the GC does not own.
    const copy = new ArrayBuffer(<i32>size);
    memory.copy(changetype<usize>(copy), ptr, size);
    result = copy;
  } else {
    result = null;
  }
  releaseHostAllocations();
  return result;
}

/** Like takeHostBuffer but decodes UTF-8 (Envoy's strings) into an AS string. */
export function takeHostString(ptr: usize, size: usize): string | null {
  let result: string | null;
  if (size == 0 || ptr == 0) result = "";
  else if (inLinearMemory(ptr, size)) result = String.UTF8.decodeUnsafe(ptr, size);
  else result = null;
  releaseHostAllocations();
  return result;
}

/** Blocks currently pinned for the host; 0 between hostcalls. For tests and diagnostics. */
export function pendingHostAllocations(): i32 {
  return pendingCount;
}

/** Blocks that could not be tracked and therefore leaked (see MAX_PENDING). */
export function untrackedHostAllocations(): u32 {
  return untrackedCount;
}
