/**
 * The one clock handlers read. In Lambda it is the system clock; the local sandbox (#3) installs a
 * virtual clock so that hours of snapshot time and the workflow's waits pass together in seconds.
 */
export interface Clock {
  now(): Date;
}

const systemClock: Clock = { now: () => new Date() };

/**
 * The installed clock lives on `globalThis` under a registry symbol, not in a module variable: each
 * deployed bundle carries its own copy of this module, and the sandbox, which runs those bundles
 * in-process, must reach all of them through the one `useClock` it calls. In Lambda nothing is ever
 * installed, so `now()` reads the system clock.
 */
const CLOCK = Symbol.for('backup-pipeline.clock');
type ClockHolder = { [CLOCK]?: Clock };
const holder = globalThis as ClockHolder;

export function now(): Date {
  return (holder[CLOCK] ?? systemClock).now();
}

/** Replaces the clock (tests and the local sandbox). Returns a function that restores the previous one. */
export function useClock(clock: Clock): () => void {
  const previous = holder[CLOCK];
  holder[CLOCK] = clock;
  return () => {
    if (previous === undefined) delete holder[CLOCK];
    else holder[CLOCK] = previous;
  };
}
