// What the benchmark ran on, for the head of its results: CPU, cores, memory, OS, Node and Redis versions.
import { readFileSync } from 'node:fs';
import { arch, availableParallelism, cpus, loadavg, release, totalmem, type } from 'node:os';

/** The machine a run measured. */
export interface Machine {
  cpuModel: string;
  /** CPUs this process may use (os.availableParallelism()). */
  cores: number;
  /** A CPU quota set by the cgroup (`cpu.max`), in CPUs, when there is one. */
  cpuQuota: number | null;
  memoryGiB: number;
  os: string;
  node: string;
  redis: string;
  /** 1-minute load average when the run began: other busy processes share the cores and lower throughput. */
  loadAtStart: number;
}

/** cgroup v2 `cpu.max` as a number of CPUs (null: no quota, or not readable). */
function cgroupCpuQuota(): number | null {
  try {
    const [quota, period] = readFileSync('/sys/fs/cgroup/cpu.max', 'utf8').trim().split(/\s+/);
    if (quota === undefined || quota === 'max' || period === undefined) return null;
    const cpusAllowed = Number(quota) / Number(period);
    return Number.isFinite(cpusAllowed) && cpusAllowed > 0 ? cpusAllowed : null;
  } catch {
    return null;
  }
}

/** Describes this machine; `redisVersion` comes from the benchmark's redis-server (INFO server). */
export function describeMachine(redisVersion: string): Machine {
  return {
    cpuModel: cpus()[0]?.model.trim() || 'unknown',
    cores: availableParallelism(),
    cpuQuota: cgroupCpuQuota(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${type()} ${release()} ${arch()}`,
    node: process.version,
    redis: redisVersion,
    loadAtStart: loadavg()[0] ?? 0,
  };
}

/** The description as `name: value` lines; the load average at the start and now. */
export function machineLines(m: Machine): string[] {
  const loadNow = loadavg()[0] ?? 0;
  return [
    `CPU:    ${m.cpuModel}`,
    `cores:  ${m.cores}${m.cpuQuota === null ? '' : ` (cgroup quota ${m.cpuQuota} CPUs)`}`,
    `memory: ${m.memoryGiB} GiB`,
    `OS:     ${m.os}`,
    `Node:   ${m.node}`,
    `Redis:  ${m.redis} (appendonly off, on a temporary directory)`,
    `load:   1-min average ${m.loadAtStart.toFixed(2)} at start, ${loadNow.toFixed(2)} at end${m.loadAtStart > 0.5 ? ' (other processes were busy: throughput is understated)' : ''}`,
  ];
}
