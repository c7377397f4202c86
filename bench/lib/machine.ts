// What the results ran on, stored with every results file so figures are never read out of context.
import os from "node:os";
import { readFileSync } from "node:fs";

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memTotalMB: number;
  node: string;
  os: string;
  kernel: string;
  loadAvg: number[];
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  let osName = `${os.type()} ${os.release()}`;
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync("/etc/os-release", "utf8"));
    if (m) osName = m[1];
  } catch { /* not Linux: keep os.type() */ }
  return {
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    cores: os.availableParallelism(),
    memTotalMB: Math.round(os.totalmem() / 2 ** 20),
    node: process.version,
    os: osName,
    kernel: os.release(),
    loadAvg: os.loadavg().map((v) => Math.round(v * 100) / 100),
  };
}
