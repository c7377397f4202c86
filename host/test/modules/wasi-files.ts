// WASI conformance module for the file, directory and socket stubs cpp-host links (src/exports.cc):
// on_configure calls each one for stdout (fd 1) and a non-stdio fd (5) where cpp-host tells them apart,
// and logs "wasifiles name=errno ..." plus the out-parameters cpp-host writes.
import { alloc, info, bytesOf, OUT_PTR, OUT_SIZE, OUT_U64 } from "./lib/env";

@external("wasi_snapshot_preview1", "fd_pwrite") declare function fd_pwrite(fd: u32, iovs: usize, n: usize, off: u64, nw: usize): u32;
@external("wasi_snapshot_preview1", "fd_pread") declare function fd_pread(fd: u32, iovs: usize, n: usize, off: u64, nr: usize): u32;
@external("wasi_snapshot_preview1", "fd_seek") declare function fd_seek(fd: u32, off: i64, whence: u32, out: usize): u32;
@external("wasi_snapshot_preview1", "fd_close") declare function fd_close(fd: u32): u32;
@external("wasi_snapshot_preview1", "fd_fdstat_set_flags") declare function fd_fdstat_set_flags(fd: u32, f: u32): u32;
@external("wasi_snapshot_preview1", "fd_fdstat_set_rights") declare function fd_fdstat_set_rights(fd: u32, b: u64, i: u64): u32;
@external("wasi_snapshot_preview1", "fd_advise") declare function fd_advise(fd: u32, off: u64, len: u64, advice: u32): u32;
@external("wasi_snapshot_preview1", "fd_allocate") declare function fd_allocate(fd: u32, off: u64, len: u64): u32;
@external("wasi_snapshot_preview1", "fd_datasync") declare function fd_datasync(fd: u32): u32;
@external("wasi_snapshot_preview1", "fd_filestat_get") declare function fd_filestat_get(fd: u32, buf: usize): u32;
@external("wasi_snapshot_preview1", "fd_filestat_set_size") declare function fd_filestat_set_size(fd: u32, size: u64): u32;
@external("wasi_snapshot_preview1", "fd_filestat_set_times") declare function fd_filestat_set_times(fd: u32, a: u64, m: u64, f: u32): u32;
@external("wasi_snapshot_preview1", "fd_readdir") declare function fd_readdir(fd: u32, buf: usize, len: usize, cookie: u64, nread: usize): u32;
@external("wasi_snapshot_preview1", "fd_renumber") declare function fd_renumber(fd: u32, to: u32): u32;
@external("wasi_snapshot_preview1", "fd_sync") declare function fd_sync(fd: u32): u32;
@external("wasi_snapshot_preview1", "fd_tell") declare function fd_tell(fd: u32, out: usize): u32;
@external("wasi_snapshot_preview1", "fd_prestat_dir_name") declare function fd_prestat_dir_name(fd: u32, p: usize, l: usize): u32;
@external("wasi_snapshot_preview1", "path_filestat_get") declare function path_filestat_get(fd: u32, f: u32, p: usize, l: usize, buf: usize): u32;
@external("wasi_snapshot_preview1", "path_create_directory") declare function path_create_directory(fd: u32, p: usize, l: usize): u32;
@external("wasi_snapshot_preview1", "path_filestat_set_times") declare function path_filestat_set_times(fd: u32, f: u32, p: usize, l: usize, a: u64, m: u64, ff: u32): u32;
@external("wasi_snapshot_preview1", "path_link") declare function path_link(ofd: u32, oflags: u32, op: usize, ol: usize, nfd: u32, np: usize): u32;
@external("wasi_snapshot_preview1", "path_readlink") declare function path_readlink(fd: u32, p: usize, l: usize, b: usize, bl: usize, out: usize): u32;
@external("wasi_snapshot_preview1", "path_remove_directory") declare function path_remove_directory(fd: u32, p: usize, l: usize): u32;
@external("wasi_snapshot_preview1", "path_rename") declare function path_rename(fd: u32, op: usize, ol: usize, nfd: u32, np: usize, nl: usize): u32;
@external("wasi_snapshot_preview1", "path_symlink") declare function path_symlink(op: usize, ol: usize, fd: u32, np: usize): u32;
@external("wasi_snapshot_preview1", "path_unlink_file") declare function path_unlink_file(fd: u32, p: usize, l: usize): u32;
@external("wasi_snapshot_preview1", "sock_accept") declare function sock_accept(fd: u32, f: u32, out: usize): u32;
@external("wasi_snapshot_preview1", "sock_recv") declare function sock_recv(fd: u32, d: usize, dl: usize, f: u32, out0: usize, out1: usize): u32;
@external("wasi_snapshot_preview1", "sock_send") declare function sock_send(fd: u32, d: usize, dl: usize, f: u32, out: usize): u32;
@external("wasi_snapshot_preview1", "sock_shutdown") declare function sock_shutdown(fd: u32, how: u32): u32;
@external("wasi_snapshot_preview1", "args_get") declare function args_get(argv: usize, buf: usize): u32;

export function proxy_abi_version_0_2_1(): void {}
export function malloc(size: usize): usize { return alloc(size); }

const IOV: usize = memory.data(8);

/** errno, then ":<u32 at OUT_PTR>" after a call that should have written it (seeded with 77 first). */
function seeded(): void { store<u32>(OUT_PTR, 77); store<u64>(OUT_U64, 77); store<u16>(OUT_SIZE, 77); }
function out32(r: u32): string { return r.toString() + ":" + load<u32>(OUT_PTR).toString(); }

export function proxy_on_configure(root: u32, len: u32): u32 {
  const text = bytesOf("pw\n");
  store<u32>(IOV, changetype<usize>(text));
  store<u32>(IOV + 4, text.byteLength);
  const path = bytesOf("f");
  const pp = changetype<usize>(path);
  let s = "wasifiles";
  seeded(); s += " pwrite1=" + out32(fd_pwrite(1, IOV, 1, 9, OUT_PTR));
  s += " pwrite5=" + fd_pwrite(5, IOV, 1, 0, OUT_PTR).toString();
  s += " pread=" + fd_pread(0, IOV, 1, 0, OUT_PTR).toString();
  s += " seek=" + fd_seek(1, 0, 0, OUT_U64).toString() + " close=" + fd_close(5).toString();
  s += " set_flags=" + fd_fdstat_set_flags(1, 0).toString();
  s += " set_rights=" + fd_fdstat_set_rights(1, 0, 0).toString() + "/" + fd_fdstat_set_rights(5, 0, 0).toString();
  s += " advise=" + fd_advise(5, 0, 0, 0).toString();
  s += " allocate=" + fd_allocate(2, 0, 1).toString() + "/" + fd_allocate(5, 0, 1).toString();
  s += " datasync=" + fd_datasync(1).toString() + "/" + fd_datasync(5).toString();
  s += " filestat_get=" + fd_filestat_get(1, OUT_U64).toString();
  s += " set_size=" + fd_filestat_set_size(1, 0).toString() + "/" + fd_filestat_set_size(5, 0).toString();
  s += " set_times=" + fd_filestat_set_times(2, 0, 0, 0).toString() + "/" + fd_filestat_set_times(5, 0, 0, 0).toString();
  seeded(); s += " readdir=" + out32(fd_readdir(3, OUT_U64, 8, 0, OUT_PTR));
  s += " renumber=" + fd_renumber(1, 2).toString() + "/" + fd_renumber(1, 5).toString() + "/" + fd_renumber(5, 1).toString();
  s += " sync=" + fd_sync(2).toString() + "/" + fd_sync(5).toString();
  seeded(); const tell = fd_tell(1, OUT_U64);
  s += " tell=" + tell.toString() + ":" + load<u64>(OUT_U64).toString() + "/" + fd_tell(5, OUT_U64).toString();
  s += " prestat_dir_name=" + fd_prestat_dir_name(3, OUT_U64, 8).toString();
  s += " path_filestat_get=" + path_filestat_get(3, 0, pp, 1, OUT_U64).toString();
  s += " create_directory=" + path_create_directory(3, pp, 1).toString();
  s += " path_set_times=" + path_filestat_set_times(3, 0, pp, 1, 0, 0, 0).toString();
  s += " link=" + path_link(3, 0, pp, 1, 3, pp).toString();
  seeded(); s += " readlink=" + out32(path_readlink(3, pp, 1, OUT_U64, 8, OUT_PTR));
  s += " remove_directory=" + path_remove_directory(3, pp, 1).toString();
  s += " rename=" + path_rename(3, pp, 1, 3, pp, 1).toString();
  s += " symlink=" + path_symlink(pp, 1, 3, pp).toString();
  s += " unlink=" + path_unlink_file(3, pp, 1).toString();
  store<u64>(OUT_PTR, 0x4d0000004d); const acc = sock_accept(3, 0, OUT_PTR);
  s += " accept=" + acc.toString() + ":" + load<u64>(OUT_PTR).toString();
  seeded(); const recv = sock_recv(3, IOV, 1, 0, OUT_PTR, OUT_SIZE);
  s += " recv=" + out32(recv) + ":" + load<u16>(OUT_SIZE).toString();
  seeded(); s += " send=" + out32(sock_send(3, IOV, 1, 0, OUT_PTR));
  s += " shutdown=" + sock_shutdown(3, 0).toString();
  s += " args_get=" + args_get(OUT_PTR, OUT_U64).toString();
  s += " oob=" + fd_readdir(3, OUT_U64, 8, 0, 0xfffffff0).toString() + "/" + sock_accept(3, 0, 0xfffffff0).toString();
  info(s);
  return 1;
}
