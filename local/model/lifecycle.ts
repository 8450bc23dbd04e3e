/**
 * Transient states that end at a model time (a restore `creating` → `available`, a delete `deleting` →
 * gone), shared by the restore modules and the describes that show their results. A resource carries at
 * most one `lifecycle`; it lands when a describe or an operation looks at the resource after `untilMs`,
 * so no timer runs and a describe by id touches only what it names (no scan of the region).
 */

/** `next` is the state the resource lands in, or GONE: it leaves its map (a describe no longer finds it). */
export interface Lifecycle {
  untilMs: number;
  next: string;
}

export const GONE = 'gone';

type Living = { lifecycle?: Lifecycle };

/** The item `id` of `items` as it is at `nowMs`: its lifecycle landed (state written to `stateKey`), or undefined if gone. */
export function settle<T extends Living>(
  items: Map<string, T>,
  id: string,
  nowMs: number,
  stateKey: keyof T & string,
): T | undefined {
  const item = items.get(id);
  const lifecycle = item?.lifecycle;
  if (!item || !lifecycle || nowMs < lifecycle.untilMs) return item;
  if (lifecycle.next === GONE) {
    items.delete(id);
    return undefined;
  }
  (item as Record<string, unknown>)[stateKey] = lifecycle.next;
  delete item.lifecycle;
  return item;
}

/** Every item of `items` settled at `nowMs` (a list describe scans anyway). */
export function settleAll<T extends Living>(items: Map<string, T>, nowMs: number, stateKey: keyof T & string): void {
  for (const [id, item] of items) if (item.lifecycle) settle(items, id, nowMs, stateKey);
}
