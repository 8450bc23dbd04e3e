/**
 * Virtual time for the local sandbox: a discrete-event clock over real time. Virtual time never runs
 * slower than the wall clock: it flows at real pace always (while a handler runs, while the sandbox
 * sits idle), as time does in AWS, so an SDK's real back-off sleeps, a handler's own work and an idle
 * `--serve` all let token buckets refill and snapshots progress. On top of that, when no handler is
 * running and the event loop is quiet, the clock jumps to the earliest wake-up: snapshot durations,
 * the workflow's waits and retry back-offs read this one clock, so a 24-hour snapshot takes
 * milliseconds yet sees exactly the polls AWS would.
 */
import { performance } from 'node:perf_hooks';
import type { Clock } from '../shared/clock';

interface Sleeper {
  wakeAt: number;
  seq: number;
  resolve: () => void;
}

export class VirtualScheduler implements Clock {
  /** Virtual time at `anchorReal`; from there virtual time flows with the real clock. */
  private anchorVirtual: number;
  private anchorReal: number;
  private sleepers: Sleeper[] = [];
  private active = 0;
  private seq = 0;
  private ticking = false;
  private stopped = false;

  /**
   * @param start where virtual time begins
   * @param timeScale let virtual time flow at this many times real time (1 = real time, as an external
   *   endpoint needs; 3600 = an hour a second, to watch a run); undefined jumps straight to the next
   *   wake-up. Never slower than real time.
   */
  constructor(
    // Start at the wall clock: aws-local-stepfunctions stamps $$.Execution.StartTime with it.
    start: Date = new Date(),
    private readonly timeScale?: number,
  ) {
    this.anchorVirtual = start.getTime();
    this.anchorReal = performance.now();
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  nowMs(): number {
    return this.anchorVirtual + (performance.now() - this.anchorReal);
  }

  /** Marks work in progress: the clock does not jump while any is active (real time still flows). */
  async busy<T>(work: () => Promise<T>): Promise<T> {
    this.active++;
    try {
      return await work();
    } finally {
      this.active--;
      this.kick();
    }
  }

  sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.sleepers.push({ wakeAt: this.nowMs() + ms, seq: this.seq++, resolve });
      this.kick();
    });
  }

  stop(): void {
    this.stopped = true;
    for (const s of this.sleepers.splice(0)) s.resolve();
  }

  /** Moves virtual time forward to `ms` (never back); real time keeps flowing from there. */
  private advanceTo(ms: number): void {
    if (ms <= this.nowMs()) return;
    this.anchorVirtual = ms;
    this.anchorReal = performance.now();
  }

  /** Wakes every sleeper whose time has come, in wake-up order. */
  private releaseDue(): void {
    const now = this.nowMs();
    const due = this.sleepers.filter((s) => s.wakeAt <= now).sort((a, b) => a.wakeAt - b.wakeAt || a.seq - b.seq);
    if (due.length === 0) return;
    this.sleepers = this.sleepers.filter((s) => s.wakeAt > now);
    for (const s of due) s.resolve();
  }

  private kick(): void {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    void this.tick();
  }

  private async tick(): Promise<void> {
    try {
      while (!this.stopped && this.sleepers.length > 0) {
        // Let microtasks and I/O callbacks settle; jump only when nothing runs. Meanwhile real time
        // flows, and a sleeper it reaches (a short back-off beside a long handler) wakes on time.
        let quiet = 0;
        while (quiet < 3) {
          await new Promise<void>((r) => setImmediate(r));
          quiet = this.active === 0 ? quiet + 1 : 0;
          if (this.active > 0) {
            this.releaseDue();
            await new Promise<void>((r) => setTimeout(r, 1));
          }
        }
        if (this.sleepers.length === 0 || this.stopped) break;
        const earliest = () => Math.min(...this.sleepers.map((s) => s.wakeAt));
        const scale = this.timeScale;
        if (scale) {
          // Paced: let time flow at `scale` x real time in short steps, so a wake-up added meanwhile
          // (a new execution, a finished handler) is honoured on time.
          while (!this.stopped && this.sleepers.length > 0 && earliest() > this.nowMs()) {
            const before = this.nowMs();
            const step = Math.min((earliest() - before) / scale, 250);
            await new Promise<void>((r) => setTimeout(r, step));
            this.advanceTo(Math.min(before + step * scale, earliest()));
          }
          if (this.sleepers.length === 0 || this.stopped) break;
        }
        this.advanceTo(earliest());
        this.releaseDue();
      }
    } finally {
      this.ticking = false;
    }
  }
}
