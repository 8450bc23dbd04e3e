/**
 * The one clock handlers read. In Lambda it is the system clock; the local sandbox (#3) installs a
 * virtual clock so that hours of snapshot time and the workflow's waits pass together in seconds.
 */
export interface Clock {
  now(): Date;
}

const systemClock: Clock = { now: () => new Date() };

/**
 * The installed clock lives in one slot on `globalThis` under a registry symbol, not in a module
 * variable: each deployed bundle carries its own copy of this module, and the sandbox, which runs those
 * bundles in-process, must reach all of them through the one `useClock` it calls. In Lambda nothing is
 * ever installed, so `now()` reads the system clock.
 * The slot's one property is non-configurable so that nothing that sweeps objects hung on the global
 * (jest's globals cleanup soft-deletes their properties) can turn it, or the clock behind it, into
 * accessors under a scheduler that is still winding down.
 */
const CLOCK = Symbol.for('backup-pipeline.clock');
interface ClockSlot {
  current: Clock | undefined;
}

function slot(): ClockSlot {
  const global = globalThis as { [CLOCK]?: ClockSlot };
  const existing = global[CLOCK];
  if (existing) return existing;
  const created = Object.defineProperty({}, 'current', {
    value: undefined,
    writable: true,
    enumerable: true,
    configurable: false,
  }) as ClockSlot;
  Object.defineProperty(globalThis, CLOCK, { value: created, writable: false, enumerable: false, configurable: false });
  return created;
}

export function now(): Date {
  return (slot().current ?? systemClock).now();
}

/** Replaces the clock (tests and the local sandbox). Returns a function that restores the previous one. */
export function useClock(clock: Clock): () => void {
  const holder = slot();
  const previous = holder.current;
  holder.current = clock;
  return () => {
    holder.current = previous;
  };
}
