/**
 * The model's core, shared by every service module in local/model (as moto's BaseBackend is): the error
 * every service throws, the limits each service declares (`limitsOf`) and the faults, the one PRNG and id
 * counter, the clock, the token-bucket gate every operation passes first, and the snapshot timing curve.
 * It names no service: each module declares its own API, limits and operations (registry.ts). A service module owns its own per-region
 * state (a RegionStore) and reaches the rest only through this core or an explicit reference to another
 * service's backend. The order of random draws, ids and clock reads is the replay contract: a seeded
 * fleet and its faults must replay identically, so the helpers here are the only ones that draw.
 */
import type { Clock } from '../../shared/clock';

export class AwsApiError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(code: string, message: string, status = 400) {
    super(message);
    this.name = code;
    this.code = code;
    this.status = status;
  }
}

export type Tag = { Key: string; Value: string };
/** An EC2 Filter (tag:<key>, tag-key, or an attribute name) with wildcard values. */
export type Filter = { Name?: string; Values?: string[] };

/**
 * Limits by name (`pendingSnapshotsPerRegion`): each service module declares its own with AWS's defaults
 * (its `limits`, local/model/registry.ts); the model's `Limits` type is theirs together.
 */
export type LimitValues = Record<string, number>;

export interface Faults {
  /** Fraction of API calls answered with a throttling error, on top of the token buckets. */
  throttleRate: number;
  /** Fraction of snapshots that end in `error` / `failed` part-way through. */
  snapshotFailureRate: number;
  /**
   * Fraction of create calls (CreateSnapshot(s), CreateImage, CreateDB(Cluster)Snapshot, DynamoDB
   * CreateBackup, and the copies: CopySnapshot, CopyImage, CopyDB(Cluster)Snapshot) that DO create, then answer a 500 as if the response were lost: the caller cannot tell
   * whether anything was made (a retry that does not look first makes a second backup).
   */
  serverErrorAfterCreateRate: number;
  /**
   * Per operation (`rds:RestoreDBInstanceFromDBSnapshot`), how many of its next creates DO create, then
   * answer a 500 (the service's own `internalErrorCode`, its `ServiceApi`): the lost answer
   * of one chosen call, deterministic where serverErrorAfterCreateRate draws. Counts down as it fires.
   */
  lostAnswers?: Record<string, number>;
  /**
   * Seconds a new EBS snapshot (a CopySnapshot copy too, in its destination region) stays invisible to a
   * DescribeSnapshots filtered by tag (EC2's eventual consistency; by id it is found at once).
   */
  tagFilterLagSeconds: number;
}

/**
 * A describe's candidates: the ids asked for (each once, in the order asked; AWS promises no order) or
 * every item. Asked by id, no scan of the region: a 10,000-resource run describes by id tens of
 * thousands of times against as many snapshots.
 */
export function candidates<T>(items: Map<string, T>, ids: readonly string[] | undefined): T[] {
  if (!ids?.length) return [...items.values()];
  return [...new Set(ids)].flatMap((id) => {
    const item = items.get(id);
    return item === undefined ? [] : [item];
  });
}

/**
 * How one AWS service answers what the core injects, declared by its own model module (as each moto
 * backend declares its errors): the name its calls are counted and bucketed under (`<name>:<Operation>`,
 * the IAM action's prefix), its throttling error and HTTP status, and the 500 a lost create answers.
 */
export interface ServiceApi {
  readonly name: string;
  readonly throttleCode: string;
  readonly throttleStatus: number;
  readonly internalErrorCode: string;
}

/** Token buckets per API family (EC2's published defaults; RDS and SNS use similar ones). */
interface Bucket {
  capacity: number;
  refillPerSecond: number;
  tokens: number;
  at: number;
}
const BUCKETS: Record<string, { capacity: number; refill: number }> = {
  describe: { capacity: 100, refill: 20 },
  mutate: { capacity: 100, refill: 5 },
  other: { capacity: 200, refill: 50 },
};

/** A resource that takes time: snapshots, copies, backups, exports. */
export interface Timed {
  startMs: number;
  durationMs: number;
  /** Fraction of the duration at which the snapshot fails, when it is doomed. */
  failAt?: number;
}

/** When a timed resource finishes, or fails when it is doomed, in model time. */
export function finishedAt(t: Timed): number {
  return t.startMs + t.durationMs * (t.failAt ?? 1);
}

/** Where a copy came from (CopySnapshot, CopyDBSnapshot, CopyDBClusterSnapshot): region and source id. */
export interface CopySource {
  region: string;
  id: string;
}

export interface CoreOptions {
  accountId?: string;
  clock: Clock;
  random?: () => number;
  faults?: Partial<Faults>;
  /** Overrides of the services' limits (the model's options type them: `ModelOptions`). */
  limits?: Partial<LimitValues>;
  /** Token-bucket throttling as AWS does it; off for tests that count calls exactly. */
  tokenBuckets?: boolean;
  /**
   * The clock token buckets refill by (default `clock`): the sandbox's also counts the real time a
   * handler runs, during which its virtual clock holds still (VirtualScheduler.tokenClock).
   */
  tokenClock?: Clock;
  /** Regions enabled for the account (DescribeRegions; copies accept only these as source). */
  enabledRegions?: string[];
}

/** The regions a new account has enabled (those that need no opt-in), a realistic subset. */
export const DEFAULT_ENABLED_REGIONS = [
  'eu-west-1',
  'eu-west-2',
  'eu-central-1',
  'eu-north-1',
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-northeast-1',
  'ca-central-1',
  'sa-east-1',
];

/** Deterministic PRNG (mulberry32) so a seeded fleet and its faults replay identically. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Progress as AWS reports it is not linear: snapshots race through the first blocks, crawl in the
 * middle and jump at the end. This curve is monotonic, reaches 99 before completion, never 100.
 */
export function reportedProgress(fraction: number): number {
  const f = Math.min(Math.max(fraction, 0), 1);
  const curve = 0.55 * Math.sqrt(f) + 0.45 * f ** 3;
  return Math.min(99, Math.floor(curve * 100));
}

/** A snapshot copy takes this much longer than the snapshot did: its blocks cross regions. */
export const COPY_SLOWDOWN = 1.5;

/** The copies among a region's snapshots as the service shows them, each with where it came from (tests, the report). */
export function copiesWithSource<T extends { copiedFrom?: CopySource }, V extends object>(
  items: Iterable<T>,
  view: (item: T) => V,
): (V & { copiedFrom: CopySource })[] {
  return [...items].flatMap((s) => (s.copiedFrom ? [{ ...view(s), copiedFrom: { ...s.copiedFrom } }] : []));
}

/** The ARN partition of a region (aws, aws-cn, aws-us-gov). */
export function arnPartition(region: string): string {
  return region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
}

/**
 * What every service shares: the account, the clock, the PRNG and id counter, the faults and limits, the
 * call counts and the token buckets. One per model; every backend holds the same one.
 */
export class ModelCore {
  readonly accountId: string;
  readonly clock: Clock;
  readonly random: () => number;
  readonly faults: Faults;
  /** Every service's limits, filled with each service's defaults as it declares them (`limitsOf`). */
  readonly limits: LimitValues;
  readonly enabledRegions: readonly string[];
  /** Calls by operation name ("ec2:CreateSnapshots"), including throttled ones. */
  readonly calls = new Map<string, number>();
  private readonly buckets = new Map<string, Bucket>();
  private readonly declaredLimits = new Map<string, number>();
  private readonly tokenBuckets: boolean;
  private readonly tokenClock: Clock;
  private counter = 0;
  /** The operation being answered (every operation is gated first and runs to its answer synchronously). */
  private answering = '';

  constructor(options: CoreOptions) {
    this.accountId = options.accountId ?? '111122223333';
    this.clock = options.clock;
    this.random = options.random ?? seededRandom(42);
    this.faults = {
      throttleRate: 0,
      snapshotFailureRate: 0,
      serverErrorAfterCreateRate: 0,
      tagFilterLagSeconds: 0,
      ...options.faults,
    };
    this.limits = Object.fromEntries(
      Object.entries(options.limits ?? {}).flatMap(([name, value]) => (value === undefined ? [] : [[name, value]])),
    );
    this.tokenBuckets = options.tokenBuckets ?? true;
    this.tokenClock = options.tokenClock ?? options.clock;
    this.enabledRegions = [...(options.enabledRegions ?? DEFAULT_ENABLED_REGIONS)];
  }

  nowMs(): number {
    return this.clock.now().getTime();
  }

  /**
   * A service's limits: its defaults where the options set none, as one live object (a test may lower a
   * limit mid-run and the service sees it). Two services may share a limit only with the same default.
   */
  limitsOf<L extends LimitValues>(defaults: L): L {
    for (const [name, value] of Object.entries(defaults)) {
      const declared = this.declaredLimits.get(name);
      if (declared !== undefined && declared !== value)
        throw new Error(`limit ${name} is declared twice, with defaults ${declared} and ${value}`);
      this.declaredLimits.set(name, value);
      if (!(name in this.limits)) this.limits[name] = value;
    }
    return this.limits as L;
  }

  nextId(prefix: string): string {
    this.counter++;
    const hex = (this.counter * 2654435761 + Math.floor(this.random() * 0xffff))
      .toString(16)
      .padStart(17, '0')
      .slice(-17);
    return `${prefix}-${hex}`;
  }

  phase(t: Timed): { state: 'pending' | 'completed' | 'error'; progress: number } {
    const elapsed = this.nowMs() - t.startMs;
    const fraction = t.durationMs <= 0 ? 1 : elapsed / t.durationMs;
    if (t.failAt !== undefined && fraction >= t.failAt) return { state: 'error', progress: reportedProgress(t.failAt) };
    if (fraction >= 1) return { state: 'completed', progress: 100 };
    return { state: 'pending', progress: reportedProgress(fraction) };
  }

  timing(seconds: number): Timed {
    const spread = 0.85 + this.random() * 0.3;
    const doomed = this.random() < this.faults.snapshotFailureRate;
    return {
      startMs: this.nowMs(),
      durationMs: Math.max(1000, Math.round(seconds * spread * 1000)),
      ...(doomed ? { failAt: 0.2 + this.random() * 0.6 } : {}),
    };
  }

  /** A create that was made: answered, or (serverErrorAfterCreateRate) answered with a 500 that loses the answer. */
  created<T>(api: ServiceApi, result: T): T {
    const lost = this.faults.lostAnswers?.[this.answering] ?? 0;
    if (lost > 0 && this.faults.lostAnswers) this.faults.lostAnswers[this.answering] = lost - 1;
    if (
      lost > 0 ||
      (this.faults.serverErrorAfterCreateRate > 0 && this.random() < this.faults.serverErrorAfterCreateRate)
    ) {
      throw new AwsApiError(
        api.internalErrorCode,
        'We encountered an internal error. Please try again. (injected after the create)',
        500,
      );
    }
    return result;
  }

  /** Every operation passes here first: counts it, then may throttle it. */
  gate(api: ServiceApi, operation: string): void {
    const { name: service, throttleCode, throttleStatus } = api;
    const key = `${service}:${operation}`;
    this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
    this.answering = key;
    if (this.faults.throttleRate > 0 && this.random() < this.faults.throttleRate) {
      throw new AwsApiError(throttleCode, 'Request limit exceeded (injected fault).', throttleStatus);
    }
    if (!this.tokenBuckets) return;
    const family = /^(Describe|List|Get)/.test(operation)
      ? 'describe'
      : /^(Create|Delete|Copy)/.test(operation)
        ? 'mutate'
        : 'other';
    const spec = BUCKETS[family] ?? { capacity: 100, refill: 10 };
    const bucketKey = `${service}:${family}`;
    const now = this.tokenClock.now().getTime();
    const bucket = this.buckets.get(bucketKey) ?? {
      capacity: spec.capacity,
      refillPerSecond: spec.refill,
      tokens: spec.capacity,
      at: now,
    };
    bucket.tokens = Math.min(bucket.capacity, bucket.tokens + ((now - bucket.at) / 1000) * bucket.refillPerSecond);
    bucket.at = now;
    this.buckets.set(bucketKey, bucket);
    if (bucket.tokens < 1) throw new AwsApiError(throttleCode, 'Request limit exceeded.', throttleStatus);
    bucket.tokens -= 1;
  }
}

/** Per-region state of one service, made on first use of a region. */
export class RegionStore<S> {
  private readonly regions = new Map<string, S>();
  /** `make` is given the region's name (a service may seed what every region has, e.g. RDS's `default` subnet group). */
  constructor(private readonly make: (region: string) => S) {}

  of(name: string): S {
    let state = this.regions.get(name);
    if (!state) {
      state = this.make(name);
      this.regions.set(name, state);
    }
    return state;
  }
}

/**
 * A service backend: the core's helpers under the names the operations use, so an operation reads the
 * same in every service module.
 */
export abstract class Backend {
  constructor(protected readonly core: ModelCore) {}

  protected get accountId(): string {
    return this.core.accountId;
  }
  protected get faults(): Faults {
    return this.core.faults;
  }
  protected get random(): () => number {
    return this.core.random;
  }
  protected nowMs(): number {
    return this.core.nowMs();
  }
  protected nextId(prefix: string): string {
    return this.core.nextId(prefix);
  }
  protected phase(t: Timed): { state: 'pending' | 'completed' | 'error'; progress: number } {
    return this.core.phase(t);
  }
  protected timing(seconds: number): Timed {
    return this.core.timing(seconds);
  }
  protected created<T>(api: ServiceApi, result: T): T {
    return this.core.created(api, result);
  }
  protected gate(api: ServiceApi, operation: string): void {
    this.core.gate(api, operation);
  }
}

/** A backend with per-region state; services that share a region's state (EC2 and its AMIs) share the store. */
export abstract class RegionalBackend<S> extends Backend {
  constructor(
    core: ModelCore,
    readonly store: RegionStore<S>,
  ) {
    super(core);
  }

  region(name: string): S {
    return this.store.of(name);
  }
}
