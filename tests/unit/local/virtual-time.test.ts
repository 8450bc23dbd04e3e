import { performance } from 'node:perf_hooks';
import { VirtualScheduler } from '../../../local/virtual-time';

const realSleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const START = new Date('2026-01-01T00:00:00Z');

describe('VirtualScheduler', () => {
  it('jumps to the earliest wake-up when nothing is running, in wake-up order', async () => {
    // Prepare
    const clock = new VirtualScheduler(START);
    const woke: string[] = [];

    // Act
    await Promise.all([
      clock.sleep(3 * 3600_000).then(() => woke.push(`b@${clock.now().toISOString()}`)),
      clock.sleep(60_000).then(() => woke.push(`a@${clock.now().toISOString()}`)),
    ]);

    // Assess
    expect(woke).toEqual(['a@2026-01-01T00:01:00.000Z', 'b@2026-01-01T03:00:00.000Z']);
  });

  it('does not move while work is in progress', async () => {
    const clock = new VirtualScheduler(START);
    let seenDuringWork = '';
    const sleeper = clock.sleep(1000);
    await clock.busy(async () => {
      await realSleep(20);
      seenDuringWork = clock.now().toISOString();
    });
    await sleeper;
    expect(seenDuringWork).toBe('2026-01-01T00:00:00.000Z');
    expect(clock.now().toISOString()).toBe('2026-01-01T00:00:01.000Z');
  });

  it('lets a running handler’s wall time pass for the token buckets while the virtual clock holds', async () => {
    // Prepare
    const clock = new VirtualScheduler(START);
    let during = { virtual: 0, tokens: 0 };

    // Act: a handler whose SDK sleeps 80 ms of real back-off
    await clock.busy(async () => {
      await realSleep(80);
      during = { virtual: clock.nowMs() - START.getTime(), tokens: clock.tokenNowMs() - START.getTime() };
    });

    // Assess
    expect(during.virtual).toBe(0);
    expect(during.tokens).toBeGreaterThanOrEqual(75);
    expect(clock.tokenClock.now().getTime() - START.getTime()).toBeGreaterThanOrEqual(75);
  });

  it('flows with the wall clock while idle (nothing running, nothing waiting), as an idle account does', async () => {
    // Prepare
    const clock = new VirtualScheduler(START);

    // Act
    await realSleep(200);
    const idleFor = clock.nowMs() - START.getTime();
    await clock.sleep(60_000);

    // Assess: the idle time counts, and the next wait starts from it
    expect(idleFor).toBeGreaterThanOrEqual(195);
    expect(idleFor).toBeLessThan(5_000);
    const waited = clock.nowMs() - START.getTime() - idleFor;
    expect(waited).toBeGreaterThanOrEqual(60_000);
    expect(waited).toBeLessThan(60_050);
  });

  it('never counts a run’s own gap between a handler and its next wait as idle, however slow', async () => {
    // Prepare
    const clock = new VirtualScheduler(START);

    // Act: a handler ends, the event loop is blocked (a GC pause), then the next wait is registered
    await clock.busy(async () => undefined);
    const blockedFrom = performance.now();
    while (performance.now() - blockedFrom < 120) {
      // busy-wait: no timer can fire
    }
    await clock.sleep(1000);

    // Assess
    expect(clock.now().toISOString()).toBe('2026-01-01T00:00:01.000Z');
  });

  it('resolves a zero sleep at once and releases every sleeper on stop', async () => {
    const clock = new VirtualScheduler();
    await clock.sleep(0);
    const pending = clock.sleep(10_000);
    clock.stop();
    await expect(pending).resolves.toBeUndefined();
  });
});
