import { ResourceNotFoundError, ThrottledError } from '../../../shared/errors';
import { retryThrottled } from '../../../shared/throttle-retry';

describe('retryThrottled', () => {
  const noSleep = { sleep: async () => undefined, random: () => 1 };

  it('retries a throttled call until it succeeds, backing off exponentially up to the cap', async () => {
    // Prepare
    const waits: number[] = [];
    let calls = 0;
    const call = async () => {
      if (++calls < 5) throw new ThrottledError('EC2 DeleteSnapshot: RequestLimitExceeded');
      return 'deleted';
    };

    // Act
    const out = await retryThrottled(call, { random: () => 1, maxMs: 5_000, sleep: async (ms) => void waits.push(ms) });

    // Assess
    expect(out).toBe('deleted');
    expect(waits).toEqual([1_000, 2_000, 4_000, 5_000]);
  });

  it('gives up after its attempts with the last ThrottledError', async () => {
    let calls = 0;
    const call = async () => {
      calls++;
      throw new ThrottledError('still throttled');
    };
    await expect(retryThrottled(call, { ...noSleep, attempts: 3 })).rejects.toThrow('still throttled');
    expect(calls).toBe(3);
  });

  it('does not retry any other error', async () => {
    let calls = 0;
    const call = async () => {
      calls++;
      throw new ResourceNotFoundError('gone');
    };
    await expect(retryThrottled(call, noSleep)).rejects.toThrow(ResourceNotFoundError);
    expect(calls).toBe(1);
  });
});
