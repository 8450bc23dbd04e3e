import { VirtualScheduler } from '../../local/virtual-time';

describe('VirtualScheduler', () => {
  it('jumps to the earliest wake-up when nothing is running, in wake-up order', async () => {
    // Prepare
    const clock = new VirtualScheduler(new Date('2026-01-01T00:00:00Z'));
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
    const clock = new VirtualScheduler(new Date('2026-01-01T00:00:00Z'));
    let seenDuringWork = '';
    const sleeper = clock.sleep(1000);
    await clock.busy(async () => {
      await new Promise((r) => setTimeout(r, 20));
      seenDuringWork = clock.now().toISOString();
    });
    await sleeper;
    expect(seenDuringWork).toBe('2026-01-01T00:00:00.000Z');
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
