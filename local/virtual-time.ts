/**
 * Virtual time for the local sandbox: a discrete-event clock. Workers sleep on the scheduler; when
 * no handler is running and the event loop is quiet, the clock jumps to the earliest wake-up. Snapshot
 * durations, the workflow's waits and retry back-offs all read this one clock, so a 24-hour snapshot
 * takes milliseconds yet sees exactly the polls AWS would, and a seeded run replays exactly.
 *
 * Time also passes where AWS's does (issue #9 §2):
 * - while the sandbox is idle (nothing running, nothing waiting, e.g. `--serve` between two CLI
 *   calls) the clock flows with the wall clock, so snapshots progress and throttled APIs recover;
 * - while a handler runs, the virtual clock holds still (poll counts stay exact), but a Lambda's wall
 *   time (its work, its SDK's real back-off sleeps) passes for AWS: `tokenClock` is virtual time plus
 *   the real time handlers have run, the clock the emulator's token buckets refill by.
 */
import { performance } from 'node:perf_hooks';
import type { Clock } from '../shared/clock';

interface Sleeper {
  wakeAt: number;
  seq: number;
  resolve: () => void;
}

/**
 * Real time nothing may run or wait for before the idle clock starts to flow. A run's own gaps (a
 * handler ends, the next state registers its wait) are microtask chains that end long before this
 * timer can fire, so a run never sees idle time: it replays exactly.
 */
const IDLE_GRACE_MS = 50;

export class VirtualScheduler implements Clock {
  private current: number;
  private sleepers: Sleeper[] = [];
  private active = 0;
  private seq = 0;
  private ticking = false;
  private stopped = false;
  /** Idle since (real ms); flowing once the grace timer fired. */
  private idleSince: number | undefined;
  private idleFlowing = false;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Real time spent with a handler running, and when the current busy spell began. */
  private busyRealMs = 0;
  private busySince = 0;

  /** Virtual time plus the real time handlers have run: what AWS's token buckets refill by. */
  readonly tokenClock: Clock = { now: () => new Date(this.tokenNowMs()) };

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
    this.enterIdleIfIdle();
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  nowMs(): number {
    return this.idleFlowing && this.idleSince !== undefined
      ? this.current + (performance.now() - this.idleSince)
      : this.current;
  }

  tokenNowMs(): number {
    return this.nowMs() + this.busyRealMs + (this.active > 0 ? performance.now() - this.busySince : 0);
  }

  /** Marks work in progress: the clock does not move while any is active. */
  async busy<T>(work: () => Promise<T>): Promise<T> {
    this.leaveIdle();
    if (this.active++ === 0) this.busySince = performance.now();
    try {
      return await work();
    } finally {
      if (--this.active === 0) this.busyRealMs += performance.now() - this.busySince;
      this.enterIdleIfIdle();
      this.kick();
    }
  }

  sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    this.leaveIdle();
    return new Promise((resolve) => {
      this.sleepers.push({ wakeAt: this.current + ms, seq: this.seq++, resolve });
      this.kick();
    });
  }

  stop(): void {
    this.stopped = true;
    this.leaveIdle();
    for (const s of this.sleepers.splice(0)) s.resolve();
  }

  /** Nothing runs and nothing waits: start the grace timer after which the clock flows with real time. */
  private enterIdleIfIdle(): void {
    if (this.stopped || this.active > 0 || this.sleepers.length > 0 || this.idleSince !== undefined) return;
    this.idleSince = performance.now();
    this.idleTimer = setTimeout(() => {
      this.idleFlowing = true;
    }, IDLE_GRACE_MS);
    this.idleTimer.unref();
  }

  /** Work or a wait arrives: keep the idle time that flowed, and stop flowing. */
  private leaveIdle(): void {
    if (this.idleSince === undefined) return;
    this.current = this.nowMs();
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.idleSince = undefined;
    this.idleFlowing = false;
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
      // The woken sleepers' continuations run before the idle timer can fire, and leave idle at once.
      this.enterIdleIfIdle();
    }
  }
}
