import { VirtualScheduler } from '../../local/virtual-time';

const realSleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Real time that passes within one test step: virtual time may run ahead of a jump by this much. */
const SLACK_MS = 250;

describe('VirtualScheduler', () => {
  it('jumps to the earliest wake-up when nothing is running, in wake-up order', async () => {
    // Prepare
    const start = Date.parse('2026-01-01T00:00:00Z');
    const clock = new VirtualScheduler(new Date(start));
    const woke: { name: string; at: number }[] = [];

    // Act
    await Promise.all([
      clock.sleep(3 * 3600_000).then(() => woke.push({ name: 'b', at: clock.nowMs() - start })),
      clock.sleep(60_000).then(() => woke.push({ name: 'a', at: clock.nowMs() - start })),
    ]);

    // Assess
    expect(woke.map((w) => w.name)).toEqual(['a', 'b']);
    expect(woke[0]?.at).toBeGreaterThanOrEqual(60_000);
    expect(woke[0]?.at).toBeLessThan(60_000 + SLACK_MS);
    expect(woke[1]?.at).toBeGreaterThanOrEqual(3 * 3600_000);
    expect(woke[1]?.at).toBeLessThan(3 * 3600_000 + SLACK_MS);
  });

  it('does not jump while work is in progress, yet lets real time flow through it', async () => {
    // Prepare
    const start = Date.parse('2026-01-01T00:00:00Z');
    const clock = new VirtualScheduler(new Date(start));
    let seenDuringWork = 0;
    const sleeper = clock.sleep(3600_000);

    // Act
    await clock.busy(async () => {
      await realSleep(60);
      seenDuringWork = clock.nowMs() - start;
    });
    await sleeper;

    // Assess: the handler's 60 ms passed in virtual time too, and no jump happened under it
    expect(seenDuringWork).toBeGreaterThanOrEqual(55);
    expect(seenDuringWork).toBeLessThan(SLACK_MS * 4);
    expect(clock.nowMs() - start).toBeGreaterThanOrEqual(3600_000);
  });

  it('flows at real pace while idle, as an account does between calls', async () => {
    // Prepare
    const start = Date.parse('2026-01-01T00:00:00Z');
    const clock = new VirtualScheduler(new Date(start));

    // Act
    await realSleep(80);

    // Assess
    expect(clock.nowMs() - start).toBeGreaterThanOrEqual(75);
  });

  it('wakes a short sleeper on time while a long handler is still running', async () => {
    // Prepare
    const clock = new VirtualScheduler();
    const order: string[] = [];

    // Act: a 20 ms back-off beside a 300 ms handler wakes before the handler ends
    await Promise.all([
      clock.busy(async () => {
        await realSleep(300);
        order.push('handler done');
      }),
      clock.sleep(20).then(() => order.push('back-off over')),
    ]);

    // Assess
    expect(order).toEqual(['back-off over', 'handler done']);
  });

  it('resolves a zero sleep at once and releases every sleeper on stop', async () => {
    const clock = new VirtualScheduler();
    await clock.sleep(0);
    const pending = clock.sleep(10_000);
    clock.stop();
    await expect(pending).resolves.toBeUndefined();
  });
});
