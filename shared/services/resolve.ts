/**
 * Resolving explicitly named resources in bulk (issue #9 §4.4): a Plan naming 1,000 ARNs makes a
 * handful of batched Describe calls instead of 1,000 sequential ones, and a throttled batch is retried
 * on its own (with backoff) instead of failing the whole Plan and redoing every lookup.
 */
import { aws, InvalidResourceStateError, ResourceNotFoundError } from '../errors';
import type { ResourceRef } from '../resource';
import { retryThrottled } from '../throttle-retry';
import type { Discovered, Resolution, ResourceDriver } from './driver';

/** Lookups of a type without a batch Describe (DynamoDB DescribeTable) run this many at once. */
export const RESOLVE_CONCURRENCY = 8;

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Attempts of one batch when AWS throttles it, on top of the SDK's own retries. */
const BATCH_RETRY = { attempts: 6, baseMs: 100, maxMs: 3200 };

/**
 * Runs one lookup or batch, retrying it alone when throttled (shared/throttle-retry.ts): what the
 * batches before it resolved is kept. After the last attempt the ThrottledError goes to the ASL's Retry.
 */
export function retryThrottledLookup<T>(call: () => Promise<T>): Promise<T> {
  return retryThrottled(call, BATCH_RETRY);
}

/** A resolution from a lookup that threw: gone or unusable is recorded, anything else is thrown. */
function refused(ref: ResourceRef, error: unknown): Resolution {
  if (error instanceof ResourceNotFoundError || error instanceof InvalidResourceStateError) {
    return { ref, failReason: `${error.name}: ${error.message}` };
  }
  throw error;
}

/** One `resolve` per ref, `concurrency` at a time, each retried alone when throttled. */
export async function resolveEach(
  driver: Pick<ResourceDriver, 'resolve'>,
  refs: readonly ResourceRef[],
  concurrency = RESOLVE_CONCURRENCY,
): Promise<Resolution[]> {
  const out: Resolution[] = new Array(refs.length);
  let next = 0;
  const worker = async () => {
    while (next < refs.length) {
      const index = next++;
      const ref = refs[index] as ResourceRef;
      out[index] = await retryThrottledLookup(() => driver.resolve(ref)).then(
        (found): Resolution => ({ ref, found }),
        (error: unknown) => refused(ref, error),
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, refs.length) }, worker));
  return out;
}

/**
 * Resolves refs in batches: `describe` answers one batch of refs with what it found (by id); a ref it did
 * not return is not found. `judge` turns a found description into a Discovered or a refusal. A batch
 * AWS refuses as a whole (an id it calls malformed) falls back to one lookup per ref.
 */
export async function resolveInBatches<T>(options: {
  refs: readonly ResourceRef[];
  size: number;
  describe: (ids: string[]) => Promise<Map<string, T>>;
  judge: (ref: ResourceRef, found: T) => Discovered;
  missing: (ref: ResourceRef) => string;
  fallback: Pick<ResourceDriver, 'resolve'>;
}): Promise<Resolution[]> {
  const out: Resolution[] = [];
  for (const batch of chunks(options.refs, options.size)) {
    let found: Map<string, T>;
    try {
      found = await retryThrottledLookup(() => options.describe(batch.map((ref) => ref.id)));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundError)) throw error;
      out.push(...(await resolveEach(options.fallback, batch)));
      continue;
    }
    for (const ref of batch) {
      const description = found.get(ref.id);
      if (description === undefined) {
        out.push({ ref, failReason: `ResourceNotFoundError: ${options.missing(ref)}` });
        continue;
      }
      try {
        out.push({ ref, found: options.judge(ref, description) });
      } catch (error) {
        out.push(refused(ref, error));
      }
    }
  }
  return out;
}

/**
 * resolveInBatches over a paginated Describe given an identifier Filter (`volume-id`, `db-instance-id`:
 * a Filter, not the Ids parameter, because one missing id would fail the whole call). `pages` yields the
 * descriptions AWS returned for `ids`, `idOf` names each; `caseInsensitive` for services whose identifiers
 * are (RDS reports them in lower case). Refs absent from the answer are not found (`what` names them).
 */
export function resolveByIdFilter<T>(options: {
  refs: readonly ResourceRef[];
  size: number;
  fallback: Pick<ResourceDriver, 'resolve'>;
  judge: (ref: ResourceRef, found: T) => Discovered;
  /** How messages name one ("EBS volume"). */
  what: string;
  /** The Describe call, for error contexts ("EC2 DescribeVolumes"). */
  context: string;
  pages: (region: string, ids: string[]) => AsyncIterable<T[]>;
  idOf: (found: T) => string | undefined;
  caseInsensitive?: boolean;
}): Promise<Resolution[]> {
  const region = options.refs[0]?.region ?? '';
  const same = options.caseInsensitive
    ? (a: string, b: string) => a.toLowerCase() === b.toLowerCase()
    : (a: string, b: string) => a === b;
  return resolveInBatches({
    refs: options.refs,
    size: options.size,
    fallback: options.fallback,
    missing: (ref) => `${options.what} ${ref.id} not found in ${ref.region}`,
    judge: options.judge,
    describe: (ids) =>
      aws(`${options.context} (${ids.length} named)`, async () => {
        const found = new Map<string, T>();
        for await (const page of options.pages(region, ids)) {
          for (const item of page) {
            const id = options.idOf(item);
            const asked = id ? ids.find((x) => same(x, id)) : undefined;
            if (asked) found.set(asked, item);
          }
        }
        return found;
      }),
  });
}
