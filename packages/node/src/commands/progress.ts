import cliProgress from 'cli-progress';
import type { CliIO } from './shared.js';

/** Progress of long work, on stderr: a cli-progress bar on a terminal, a plain line per 10 % otherwise. */
export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

/**
 * A progress reporter for `label`. Bars redraw in place, so they are drawn only on a TTY; logs and CI get
 * `label: 40% (3080/7701)` lines instead.
 *
 * @example
 * const p = progress(io, 'embedding');
 * p.update(10, 100);
 * p.stop();
 */
export function progress(io: CliIO, label: string): Progress {
  if (io.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {percentage}% {value}/{total} eta {eta_formatted}`, stream: process.stderr },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(done, total) {
        if (!started) {
          bar.start(total, 0);
          started = true;
        }
        bar.setTotal(total);
        bar.update(done);
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }
  let lastTenth = -1;
  return {
    update(done, total) {
      const tenth = total > 0 ? Math.floor((10 * done) / total) : 10;
      if (tenth === lastTenth) return;
      lastTenth = tenth;
      io.stderr(`${label}: ${tenth * 10}% (${done}/${total})\n`);
    },
    stop() {},
  };
}
