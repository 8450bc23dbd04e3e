/**
 * Virtual time for the local sandbox: a discrete-event clock. Workers sleep on the scheduler; when
 * no handler is running and the event loop is quiet, the clock jumps to the earliest wake-up. Snapshot
 * durations, the workflow's waits and retry back-offs all read this one clock, so a 24-hour snapshot
 * takes milliseconds yet sees exactly the polls AWS would.
 */
import type { Clock } from '../shared/clock';

interface Sleeper {
  wakeAt: number;
  seq: number;
  resolve: () => void;
}

export class VirtualScheduler implements Clock {
  private current: number;
  private sleepers: Sleeper[] = [];
  private active = 0;
  private seq = 0;
  private ticking = false;
  private stopped = false;

  /**
   * @param start where virtual time begins
   * @param timeScale let virtual time flow at this many times real time (1 = real time, as an external
   *   endpoint needs; 3600 = an hour a second, to watch a run); undefined jumps straight to the next
   *   wake-up.
   */
  constructor(
    // Start at the wall clock: aws-local-stepfunctions stamps $$.Execution.StartTime with it.
    start: Date = new Date(),
    private readonly timeScale?: number,
  ) {
    this.current = start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  nowMs(): number {
    return this.current;
  }

  /** Marks work in progress: the clock does not move while any is active. */
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
      this.sleepers.push({ wakeAt: this.current + ms, seq: this.seq++, resolve });
      this.kick();
    });
  }

  stop(): void {
    this.stopped = true;
    for (const s of this.sleepers.splice(0)) s.resolve();
  }

  private kick(): void {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    void this.tick();
  }

  private async tick(): Promise<void> {
    try {
      while (!this.stopped && this.sleepers.length > 0) {
        // Let microtasks and I/O callbacks settle; advance only when nothing runs.
        let quiet = 0;
        while (quiet < 3) {
          await new Promise<void>((r) => setImmediate(r));
          quiet = this.active === 0 ? quiet + 1 : 0;
          if (this.active > 0) await new Promise<void>((r) => setTimeout(r, 1));
        }
        if (this.sleepers.length === 0 || this.stopped) break;
        const earliest = () => Math.min(...this.sleepers.map((s) => s.wakeAt));
        const scale = this.timeScale;
        if (scale) {
          // Paced: let time flow at `scale` x real time in short steps, so a wake-up added meanwhile
          // (a new execution, a finished handler) is honoured on time.
          while (!this.stopped && this.sleepers.length > 0 && earliest() > this.current) {
            const step = Math.min((earliest() - this.current) / scale, 250);
            await new Promise<void>((r) => setTimeout(r, step));
            this.current = Math.min(this.current + step * scale, earliest());
          }
          if (this.sleepers.length === 0 || this.stopped) break;
        }
        this.current = Math.max(this.current, earliest());
        const due = this.sleepers.filter((s) => s.wakeAt <= this.current);
        this.sleepers = this.sleepers.filter((s) => s.wakeAt > this.current);
        for (const s of due) s.resolve();
      }
    } finally {
      this.ticking = false;
    }
  }
}
