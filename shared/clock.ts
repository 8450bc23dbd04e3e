/**
 * The one clock handlers read. In Lambda it is the system clock; the local sandbox (#3) installs a
 * virtual clock so that hours of snapshot time and the workflow's waits pass together in seconds.
 */
export interface Clock {
  now(): Date;
}

const systemClock: Clock = { now: () => new Date() };
let current: Clock = systemClock;

export function now(): Date {
  return current.now();
}

/** Replaces the clock (tests and the local sandbox). Returns a function that restores the previous one. */
export function useClock(clock: Clock): () => void {
  const previous = current;
  current = clock;
  return () => {
    current = previous;
  };
}
