/**
 * S3 buckets as a backed-up resource (issue #22): the source buckets an estate holds and the versioned
 * backup buckets the pipeline replicates them into, with their objects **simulated, not stored**. A
 * bucket's history is a list of writes, each a range of keys (`<prefix><8-digit index>` for index in
 * [from, to)) written (or deleted: a delete marker) at one time, with one size, storage class and
 * encryption: a 10-million-object bucket is one write, never 10 million entries. What a bucket holds as
 * of a time is computed by sweeping the ranges (`segmentsAsOf`), so an exact point-in-time manifest of
 * a large bucket is a handful of segments.
 *
 * The rules the pipeline relies on, each enforced (docs/aws-behaviour.md, S3 buckets):
 * - a bucket name is global; ListBuckets lists the caller's own buckets only; a call with
 *   `ExpectedBucketOwner` of another account is AccessDenied (403) ("Verifying bucket ownership");
 * - PutBucketReplication needs versioning Enabled on the source (InvalidRequest) and a destination
 *   bucket with versioning Enabled ("Requirements for live replication");
 * - live replication carries what is written after the rule exists, delete markers only with
 *   DeleteMarkerReplication Enabled, SSE-KMS objects only with SseKmsEncryptedObjects Enabled, SSE-C
 *   never; what existed before needs S3 Batch Replication (./s3-jobs.ts) ("What does Amazon S3
 *   replicate?"); a replica keeps its source version's key, version and last-modified time.
 */
import { createHash } from 'node:crypto';
import { AwsApiError, Backend, type ModelCore, type ServiceApi, type Tag } from './core';
import type { S3Backend } from './s3';
import { S3_ESTATE_SEEDS } from './s3-estates';
import type { StorageClass } from './s3-lifecycle';

/** How S3 answers the core's injected faults: SlowDown (503), and a lost answer as InternalError. */
export const S3_API: ServiceApi = {
  name: 's3',
  throttleCode: 'SlowDown',
  throttleStatus: 503,
  internalErrorCode: 'InternalError',
};

/** Digits of a simulated key's index: room for 99,999,999 objects under one prefix. */
export const KEY_DIGITS = 8;
/** S3 Replication Time Control: 99.99% of objects replicated within 15 minutes ("Meeting compliance requirements with S3 RTC"). */
export const RTC_SECONDS = 15 * 60;

export type Encryption = { kind: 'SSE-S3' } | { kind: 'SSE-KMS'; keyId: string } | { kind: 'SSE-C' };

/** One write: a range of keys put (or deleted) at one time. Objects are simulated from it, never stored. */
export interface ObjectWrite {
  readonly seq: number;
  readonly atMs: number;
  readonly prefix: string;
  readonly from: number;
  readonly to: number;
  /** A delete marker for every key of the range. */
  readonly deleted: boolean;
  readonly sizeBytes: number;
  readonly storageClass: StorageClass;
  readonly encryption: Encryption;
  /** The bytes' identity: the write that first produced them (a replica or a restored copy keeps it). */
  readonly content: string;
  /** The prefix the bytes were first written under (a copy under another prefix keeps their identity). */
  readonly contentPrefix: string;
  /** The index the range's first key had where the bytes were first written. */
  readonly contentFrom: number;
  /** When it reached each destination bucket (replication), by bucket name. */
  readonly replicatedAt: Map<string, number>;
}

export interface ReplicationRule {
  ID: string;
  Priority: number;
  Status: 'Enabled' | 'Disabled';
  destinationBucket: string;
  deleteMarkers: boolean;
  kmsObjects: boolean;
  replicaKmsKeyId?: string;
  /** Writes from this time on are carried by live replication. */
  sinceMs: number;
}

export interface SimulatedBucket {
  name: string;
  region: string;
  owner: string;
  tags: Tag[];
  versioning: 'Enabled' | 'Suspended' | undefined;
  encryption: Encryption;
  writes: ObjectWrite[];
  replication?: { role: string; rules: ReplicationRule[] };
}

/** A run of keys that hold the same version as of a time: `<prefix><index>` for index in [from, to). */
export interface Segment {
  prefix: string;
  from: number;
  to: number;
  write: ObjectWrite;
}

export const keyOf = (prefix: string, index: number) => `${prefix}${String(index).padStart(KEY_DIGITS, '0')}`;

/** A simulated object's checksum (SHA-256 of its identity): the same bytes give the same checksum wherever copied. */
export function checksumOf(content: string, key: string): string {
  return createHash('sha256').update(`${content}|${key}`).digest('base64');
}

/** The keys `segments` hold, as (key, size, checksum): only for small ones (a manifest comparison). */
export function expandSegments(segments: readonly Segment[], limit = 100_000) {
  const total = segments.reduce((n, s) => n + (s.to - s.from), 0);
  if (total > limit) throw new Error(`${total} objects: compare segments, not keys`);
  return segments.flatMap((s) =>
    Array.from({ length: s.to - s.from }, (_, i) => {
      const key = keyOf(s.prefix, s.from + i);
      return {
        key,
        size: s.write.sizeBytes,
        checksum: checksumOf(
          s.write.content,
          keyOf(s.write.contentPrefix, s.from + i - (s.write.from - s.write.contentFrom)),
        ),
      };
    }),
  );
}

/**
 * What `writes` hold as of `atMs` under `prefix`: per key the newest write at or before that time;
 * keys whose newest is a delete marker are absent. A prefix inside a write's own prefix
 * (`logs/2026-` of `logs/`) selects nothing of it unless it is the write's prefix or shorter: the
 * simulated keys end in their index, so a restore prefix is a write's prefix or one of its parents.
 */
export function segmentsAsOf(writes: readonly ObjectWrite[], atMs: number, prefix = ''): Segment[] {
  const groups = new Map<string, ObjectWrite[]>();
  for (const w of writes) {
    if (w.atMs > atMs || !w.prefix.startsWith(prefix)) continue;
    groups.set(w.prefix, [...(groups.get(w.prefix) ?? []), w]);
  }
  const out: Segment[] = [];
  for (const [groupPrefix, group] of [...groups.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const bounds = [...new Set(group.flatMap((w) => [w.from, w.to]))].sort((a, b) => a - b);
    for (let i = 0; i + 1 < bounds.length; i++) {
      const from = bounds[i] as number;
      const to = bounds[i + 1] as number;
      let newest: ObjectWrite | undefined;
      for (const w of group) if (w.from <= from && w.to >= to && (!newest || w.seq > newest.seq)) newest = w;
      if (!newest || newest.deleted) continue;
      const last = out.at(-1);
      if (last && last.write === newest && last.prefix === groupPrefix && last.to === from) last.to = to;
      else out.push({ prefix: groupPrefix, from, to, write: newest });
    }
  }
  return out;
}

export const countOf = (segments: readonly Segment[]) => segments.reduce((n, s) => n + (s.to - s.from), 0);
export const bytesOf = (segments: readonly Segment[]) =>
  segments.reduce((n, s) => n + (s.to - s.from) * s.write.sizeBytes, 0);

const noSuchBucket = () => new AwsApiError('NoSuchBucket', 'The specified bucket does not exist', 404);
const accessDenied = () => new AwsApiError('AccessDenied', 'Access Denied', 403);

export class S3BucketsBackend extends Backend {
  /** Buckets whose objects are simulated (sources, backup buckets, restore targets), by name. */
  readonly simulated = new Map<string, SimulatedBucket>();
  readonly estateSeeds = S3_ESTATE_SEEDS;
  private seq = 0;

  constructor(
    core: ModelCore,
    readonly s3: S3Backend,
  ) {
    super(core);
  }

  /** A bucket as the caller may see it: absent is NoSuchBucket; another owner than `expectedOwner` is AccessDenied. */
  bucket(name: string, expectedOwner?: string): SimulatedBucket {
    const found = this.simulated.get(name);
    if (!found) throw noSuchBucket();
    if (expectedOwner !== undefined && found.owner !== expectedOwner) throw accessDenied();
    if (found.owner !== this.accountId && expectedOwner === undefined) throw accessDenied();
    return found;
  }

  /** Seeds a bucket (an estate's; `owner` another account's for a name the caller cannot use). */
  addBucket(
    region: string,
    name: string,
    options: { owner?: string; tags?: Tag[]; versioning?: 'Enabled' | 'Suspended'; encryption?: Encryption } = {},
  ): SimulatedBucket {
    this.s3.createBucket(region, name);
    const bucket: SimulatedBucket = {
      name,
      region,
      owner: options.owner ?? this.accountId,
      tags: options.tags ?? [],
      versioning: options.versioning,
      encryption: options.encryption ?? { kind: 'SSE-S3' },
      writes: [],
    };
    this.simulated.set(name, bucket);
    return bucket;
  }

  /**
   * Puts (or, `deleted`, deletes) keys `<prefix><from..to-1>` now: a PutObject or DeleteObject per key
   * as S3 would see them, recorded as one write. Live replication carries it to each enabled rule's
   * destination within RTC's 15 minutes (the model: a fixed fraction of it, drawn once).
   */
  writeObjects(
    bucket: string,
    write: {
      prefix: string;
      from?: number;
      to: number;
      sizeBytes?: number;
      deleted?: boolean;
      storageClass?: StorageClass;
      encryption?: Encryption;
    },
  ): ObjectWrite {
    const target = this.bucket(bucket);
    const seq = ++this.seq;
    const made: ObjectWrite = {
      seq,
      atMs: this.nowMs(),
      prefix: write.prefix,
      from: write.from ?? 0,
      to: write.to,
      deleted: write.deleted ?? false,
      sizeBytes: write.deleted ? 0 : (write.sizeBytes ?? 1024),
      storageClass: write.storageClass ?? 'STANDARD',
      encryption: write.encryption ?? target.encryption,
      content: `${bucket}#${seq}`,
      contentPrefix: write.prefix,
      contentFrom: write.from ?? 0,
      replicatedAt: new Map(),
    };
    if (target.versioning !== 'Enabled' && target.writes.length > 0) {
      // Unversioned: the new write replaces what the keys held (no history to restore from).
      target.writes = target.writes.filter(
        (w) => !(w.prefix === made.prefix && w.from >= made.from && w.to <= made.to),
      );
    }
    target.writes.push(made);
    for (const rule of target.replication?.rules ?? []) {
      if (rule.Status !== 'Enabled' || !this.liveReplicates(rule, made)) continue;
      made.replicatedAt.set(rule.destinationBucket, made.atMs + RTC_SECONDS * 1000 * (0.1 + 0.5 * this.random()));
    }
    return made;
  }

  /** Whether live replication under `rule` carries `write` (delete markers and SSE-KMS only when enabled, SSE-C never). */
  liveReplicates(rule: ReplicationRule, write: ObjectWrite): boolean {
    if (write.deleted) return rule.deleteMarkers;
    return this.replicable(rule, write) === undefined;
  }

  /** Why `write`'s objects cannot be replicated under `rule` (any mechanism), or undefined. */
  replicable(rule: ReplicationRule, write: ObjectWrite): string | undefined {
    if (write.encryption.kind === 'SSE-C') return 'SSE-C objects are never replicated';
    if (write.encryption.kind === 'SSE-KMS' && !rule.kmsObjects)
      return 'SSE-KMS objects need SseKmsEncryptedObjects Enabled in the rule';
    if (write.storageClass === 'GLACIER' || write.storageClass === 'DEEP_ARCHIVE')
      return `objects in ${write.storageClass} are not replicated until restored`;
    return undefined;
  }

  /** S3 ListBuckets: the caller's own buckets, optionally of one region (BucketRegion). */
  listBuckets(input: { BucketRegion?: string } = {}) {
    this.gate(S3_API, 'ListBuckets');
    const own = [...this.simulated.values()].filter(
      (b) => b.owner === this.accountId && (!input.BucketRegion || b.region === input.BucketRegion),
    );
    return {
      Buckets: own
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((b) => ({ Name: b.name, BucketRegion: b.region, CreationDate: new Date(0) })),
    };
  }

  /** S3 HeadBucket: its region, or 404/403 (another owner under ExpectedBucketOwner). */
  headBucket(input: { Bucket: string; ExpectedBucketOwner?: string }) {
    this.gate(S3_API, 'HeadBucket');
    const bucket = this.bucket(input.Bucket, input.ExpectedBucketOwner);
    return { BucketRegion: bucket.region };
  }

  /** S3 GetBucketTagging: NoSuchTagSet (404) when the bucket has none. */
  getBucketTagging(input: { Bucket: string; ExpectedBucketOwner?: string }) {
    this.gate(S3_API, 'GetBucketTagging');
    const bucket = this.bucket(input.Bucket, input.ExpectedBucketOwner);
    if (bucket.tags.length === 0) throw new AwsApiError('NoSuchTagSet', 'The TagSet does not exist', 404);
    return { TagSet: bucket.tags.map((t) => ({ ...t })) };
  }

  /** S3 PutBucketTagging: replaces the bucket's tags (50 at most). */
  putBucketTagging(input: { Bucket: string; Tagging: { TagSet: Tag[] }; ExpectedBucketOwner?: string }) {
    this.gate(S3_API, 'PutBucketTagging');
    const bucket = this.bucket(input.Bucket, input.ExpectedBucketOwner);
    if (input.Tagging.TagSet.length > 50)
      throw new AwsApiError('InvalidTag', 'Object tags cannot be greater than 50', 400);
    bucket.tags = input.Tagging.TagSet.map((t) => ({ ...t }));
    return {};
  }

  /** S3 GetBucketVersioning: no Status when versioning was never set. */
  getBucketVersioning(input: { Bucket: string; ExpectedBucketOwner?: string }) {
    this.gate(S3_API, 'GetBucketVersioning');
    const bucket = this.bucket(input.Bucket, input.ExpectedBucketOwner);
    return bucket.versioning ? { Status: bucket.versioning } : {};
  }

  /** S3 PutBucketVersioning. */
  putBucketVersioning(input: {
    Bucket: string;
    VersioningConfiguration: { Status: 'Enabled' | 'Suspended' };
    ExpectedBucketOwner?: string;
  }) {
    this.gate(S3_API, 'PutBucketVersioning');
    this.bucket(input.Bucket, input.ExpectedBucketOwner).versioning = input.VersioningConfiguration.Status;
    return {};
  }

  /** S3 CreateBucket of a simulated bucket (a backup bucket, a restore's target): BucketAlreadyOwnedByYou when it exists. */
  createSimulatedBucket(region: string, name: string) {
    this.gate(S3_API, 'CreateBucket');
    const existing = this.simulated.get(name);
    if (existing && existing.owner !== this.accountId)
      throw new AwsApiError('BucketAlreadyExists', 'The requested bucket name is not available.', 409);
    this.addBucket(region, name);
    return this.core.created(S3_API, { Location: `/${name}` });
  }

  /** S3 GetBucketReplication: ReplicationConfigurationNotFoundError (404) when the bucket has none. */
  getBucketReplication(input: { Bucket: string; ExpectedBucketOwner?: string }) {
    this.gate(S3_API, 'GetBucketReplication');
    const bucket = this.bucket(input.Bucket, input.ExpectedBucketOwner);
    if (!bucket.replication)
      throw new AwsApiError(
        'ReplicationConfigurationNotFoundError',
        'The replication configuration was not found',
        404,
      );
    return {
      ReplicationConfiguration: {
        Role: bucket.replication.role,
        Rules: bucket.replication.rules.map((r) => ruleOut(r)),
      },
    };
  }

  /**
   * S3 PutBucketReplication: replaces the configuration. The source must be versioned (InvalidRequest),
   * each destination must exist and be versioned (InvalidRequest), priorities unique, a rule with a KMS
   * replica key needs SseKmsEncryptedObjects and the reverse ("Replication configuration" reference).
   */
  putBucketReplication(input: {
    Bucket: string;
    ExpectedBucketOwner?: string;
    ReplicationConfiguration: { Role: string; Rules: ReplicationRuleInput[] };
  }) {
    this.gate(S3_API, 'PutBucketReplication');
    const bucket = this.bucket(input.Bucket, input.ExpectedBucketOwner);
    if (bucket.versioning !== 'Enabled')
      throw new AwsApiError(
        'InvalidRequest',
        "Versioning must be 'Enabled' on the bucket to apply a replication configuration",
        400,
      );
    const before = new Map((bucket.replication?.rules ?? []).map((r) => [r.ID, r]));
    const priorities = new Set<number>();
    const rules = input.ReplicationConfiguration.Rules.map((r): ReplicationRule => {
      const destination = (r.Destination?.Bucket ?? '').replace(/^arn:[^:]+:s3:::/, '');
      const target = this.simulated.get(destination);
      if (!target) throw new AwsApiError('InvalidRequest', `Destination bucket must exist: ${destination}`, 400);
      if (target.versioning !== 'Enabled')
        throw new AwsApiError('InvalidRequest', 'Destination bucket must have versioning enabled.', 400);
      const priority = r.Priority ?? 0;
      if (priorities.has(priority))
        throw new AwsApiError('InvalidArgument', 'Found duplicate priority in replication rules', 400);
      priorities.add(priority);
      const kmsObjects = r.SourceSelectionCriteria?.SseKmsEncryptedObjects?.Status === 'Enabled';
      const replicaKey = r.Destination?.EncryptionConfiguration?.ReplicaKmsKeyID;
      if (kmsObjects !== (replicaKey !== undefined))
        throw new AwsApiError(
          'InvalidRequest',
          'ReplicaKmsKeyID must be specified if SseKmsEncryptedObjects tag is present, and only then.',
          400,
        );
      const id = r.ID ?? this.nextId('rule');
      const kept = before.get(id);
      return {
        ID: id,
        Priority: priority,
        Status: r.Status,
        destinationBucket: destination,
        deleteMarkers: r.DeleteMarkerReplication?.Status === 'Enabled',
        kmsObjects,
        ...(replicaKey ? { replicaKmsKeyId: replicaKey } : {}),
        sinceMs:
          kept && kept.destinationBucket === destination && kept.Status === 'Enabled' ? kept.sinceMs : this.nowMs(),
      };
    });
    bucket.replication = { role: input.ReplicationConfiguration.Role, rules };
    return {};
  }

  /**
   * A copy of keys `[from, to)` of `source` into `bucket` under `prefix` (a Batch Operations copy): same
   * bytes (content identity kept), a new version, visible from `atMs`.
   */
  copyInto(bucket: string, prefix: string, source: ObjectWrite, from: number, to: number, atMs: number): void {
    const target = this.bucket(bucket, this.accountId);
    target.writes.push({
      ...source,
      seq: ++this.seq,
      atMs,
      prefix,
      from,
      to,
      contentFrom: source.contentFrom + (from - source.from),
      replicatedAt: new Map(),
    });
  }

  /** What a bucket holds, every version: its own writes and the replicas that have reached it. */
  visibleWrites(name: string): ObjectWrite[] {
    const bucket = this.bucket(name, this.accountId);
    return [...bucket.writes, ...this.replicasIn(name)].filter((w) => w.atMs <= this.nowMs());
  }

  /** Inspection: what a bucket holds as of a time (default now), under a prefix. */
  contentsAsOf(bucket: string, atMs = this.nowMs(), prefix = ''): Segment[] {
    return segmentsAsOf(this.bucket(bucket, this.simulated.get(bucket)?.owner).writes, atMs, prefix);
  }

  /**
   * What a destination holds of a source's writes now: the replicas that have arrived, each the
   * source's version (same key, same last-modified time), so the destination's history as of a time is
   * the source's as of that time once every write up to it has arrived.
   */
  replicasIn(destination: string): ObjectWrite[] {
    const now = this.nowMs();
    return [...this.simulated.values()].flatMap((source) =>
      source.writes.filter((w) => (w.replicatedAt.get(destination) ?? Number.POSITIVE_INFINITY) <= now),
    );
  }
}

export interface ReplicationRuleInput {
  ID?: string;
  Priority?: number;
  Status: 'Enabled' | 'Disabled';
  Filter?: { Prefix?: string };
  DeleteMarkerReplication?: { Status?: string };
  SourceSelectionCriteria?: { SseKmsEncryptedObjects?: { Status?: string } };
  Destination?: { Bucket?: string; EncryptionConfiguration?: { ReplicaKmsKeyID?: string } };
}

function ruleOut(r: ReplicationRule): ReplicationRuleInput {
  return {
    ID: r.ID,
    Priority: r.Priority,
    Status: r.Status,
    Filter: {},
    DeleteMarkerReplication: { Status: r.deleteMarkers ? 'Enabled' : 'Disabled' },
    ...(r.kmsObjects ? { SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } } } : {}),
    Destination: {
      Bucket: `arn:aws:s3:::${r.destinationBucket}`,
      ...(r.replicaKmsKeyId ? { EncryptionConfiguration: { ReplicaKmsKeyID: r.replicaKmsKeyId } } : {}),
    },
  };
}
