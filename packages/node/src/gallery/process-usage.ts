/**
 * CPU seconds this process has used (user + system), for the benches' `cpuSeconds`: on a shared machine the wall
 * clock counts other jobs, CPU time does not.
 *
 * @example
 * const c0 = processCpuSeconds(); work(); console.log(processCpuSeconds() - c0);
 */
export function processCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * The process's peak resident set so far, in MiB (`maxRSS`: the high-water mark, which never falls).
 *
 * @example
 * console.log(`peak RSS ${Math.round(peakRssMiB())} MiB`);
 */
export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}
