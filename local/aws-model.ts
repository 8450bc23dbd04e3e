/**
 * An in-memory model of the AWS estate the pipeline backs up: EC2 instances, EBS volumes and snapshots,
 * AMIs, RDS instances and snapshots, SNS. It is the behaviour behind the local emulator (wire protocols
 * live in local/emulator) and behind the workflow tests' SDK mocks: one model, two ways in.
 *
 * It models what the workflow must survive (DESIGN §9): snapshots that take size-based time with
 * non-linear progress, failures, the pending-snapshot and per-volume limits, one RDS snapshot per
 * instance, the 100 manual RDS snapshots quota, stopped instances, token-bucket throttling, tags and
 * tag filters, pagination and regions. Inputs and outputs use the AWS SDK's shapes.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../shared/clock';

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
type Filter = { Name?: string; Values?: string[] };

export interface Limits {
  pendingSnapshotsPerRegion: number;
  concurrentSnapshotsPerVolume: number;
  secondsBetweenSnapshotsPerVolume: number;
  manualDbSnapshotsPerRegion: number;
  manualDbClusterSnapshotsPerRegion: number;
  /** DynamoDB exports in progress per account and region. */
  concurrentExportsPerRegion: number;
  /**
   * Snapshot copies in progress into one destination region, counted per service: EBS (pending
   * CopySnapshot copies) and RDS (copying DB and cluster snapshot copies) each have their own 20.
   */
  concurrentCopiesPerRegion: number;
}

export const AWS_LIMITS: Limits = {
  pendingSnapshotsPerRegion: 100,
  concurrentSnapshotsPerVolume: 5,
  secondsBetweenSnapshotsPerVolume: 15,
  manualDbSnapshotsPerRegion: 100,
  manualDbClusterSnapshotsPerRegion: 100,
  concurrentExportsPerRegion: 300,
  concurrentCopiesPerRegion: 20,
};

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
   * Seconds a new EBS snapshot (a CopySnapshot copy too, in its destination region) stays invisible to a
   * DescribeSnapshots filtered by tag (EC2's eventual consistency; by id it is found at once).
   */
  tagFilterLagSeconds: number;
}

/** SNS: a message and its attributes together, at most 256 KiB (UTF-8 bytes). */
export const SNS_MAX_MESSAGE_BYTES = 262_144;

function publishSize(input: {
  Message?: string;
  MessageAttributes?: Record<string, { DataType?: string; StringValue?: string; BinaryValue?: Uint8Array }>;
}): number {
  let size = Buffer.byteLength(input.Message ?? '');
  for (const [name, value] of Object.entries(input.MessageAttributes ?? {})) {
    size += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '');
    size += value.BinaryValue ? value.BinaryValue.byteLength : Buffer.byteLength(value.StringValue ?? '');
  }
  return size;
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

export interface InstanceModel {
  InstanceId: string;
  State: 'pending' | 'running' | 'stopping' | 'stopped' | 'terminated';
  InstanceType: string;
  Tags: Tag[];
  volumeIds: string[];
}

export interface VolumeModel {
  VolumeId: string;
  Size: number;
  VolumeType: string;
  AvailabilityZone: string;
  Tags: Tag[];
  State: 'available' | 'in-use' | 'error';
  attachedTo?: string;
  /** Seconds a full snapshot of this volume takes (drawn from size when the fleet is built). */
  snapshotSeconds: number;
}

interface Timed {
  startMs: number;
  durationMs: number;
  /** Fraction of the duration at which the snapshot fails, when it is doomed. */
  failAt?: number;
}

/** Where a copy came from (CopySnapshot, CopyDBSnapshot, CopyDBClusterSnapshot): region and source id. */
export interface CopySource {
  region: string;
  id: string;
}

export interface SnapshotModel extends Timed {
  SnapshotId: string;
  VolumeId: string;
  VolumeSize: number;
  Description: string;
  Tags: Tag[];
  OwnerId: string;
  Encrypted: boolean;
  /** The key ARN a copy was encrypted with (fresh snapshots leave it out). */
  KmsKeyId?: string;
  /** Set on a CopySnapshot copy: copies in progress count against the destination's copy limit. */
  copiedFrom?: CopySource;
  /** Pre-existing snapshots (seeded history) may be complete from the start. */
}

/**
 * An AMI: registered over EBS snapshots. Its state follows them (`pending` while any is, `failed` when
 * one fails, else `available`), as CreateImage's does in AWS.
 */
export interface ImageModel {
  ImageId: string;
  Name: string;
  snapshotIds: string[];
  Tags: Tag[];
  Description?: string;
  /** Another account's image shared with this one is not `self`; default: this account. */
  OwnerId?: string;
  /** When it was registered, model time (default: when added). */
  creationMs?: number;
  /** CreateImage: the instance imaged, whether NoReboot was asked and whether the instance was rebooted. */
  sourceInstanceId?: string;
  noReboot?: boolean;
  rebooted?: boolean;
  /** CopyImage's idempotency token. */
  clientToken?: string;
  /** DisableImage: state `disabled`, left out of DescribeImages unless IncludeDisabled (as AWS). */
  disabled?: boolean;
}

/** DB instance / cluster statuses the model plays (RDS has more; these are the ones scenarios need). */
export type RdsStatus =
  | 'available'
  | 'stopped'
  | 'stopping'
  | 'starting'
  | 'modifying'
  | 'rebooting'
  | 'upgrading'
  | 'maintenance'
  | 'configuring-enhanced-monitoring'
  | 'storage-optimization'
  | 'deleting'
  | 'failed'
  | 'incompatible-parameters';

export interface DbInstanceModel {
  DBInstanceIdentifier: string;
  Engine: string;
  DBInstanceClass: string;
  AllocatedStorage: number;
  /** RDS's DBInstanceStatus (available, stopped, modifying, rebooting, upgrading, configuring-*, failed, ...). */
  status: RdsStatus;
  /** Model time (ms) at which a transient `status` ends and the instance is `available` again. */
  statusUntilMs?: number;
  TagList: Tag[];
  /**
   * RDS copies the instance's tags to a snapshot only when this is set AND CreateDBSnapshot passes no
   * Tags of its own (then it copies none).
   */
  CopyTagsToSnapshot?: boolean;
  DBClusterIdentifier?: string;
  /** Storage encryption (the RDS default); a cross-region copy of its snapshots then needs a key. */
  StorageEncrypted?: boolean;
  snapshotSeconds: number;
}

export interface DbSnapshotModel extends Timed {
  DBSnapshotIdentifier: string;
  DBInstanceIdentifier: string;
  Engine: string;
  AllocatedStorage: number;
  TagList: Tag[];
  SnapshotType: 'manual' | 'automated';
  KmsKeyId?: string;
  /** Set on a CopyDBSnapshot copy (id: the source snapshot's identifier in its region). */
  copiedFrom?: CopySource;
}

/** An Aurora DB cluster: its members are DB instances carrying DBClusterIdentifier. */
export interface DbClusterModel {
  DBClusterIdentifier: string;
  Engine: string;
  /** Cluster volume size (GiB) the snapshot time is drawn from; Aurora reports AllocatedStorage 1. */
  volumeGiB: number;
  status: RdsStatus;
  /** Model time (ms) at which a transient `status` ends and the cluster is `available` again. */
  statusUntilMs?: number;
  TagList: Tag[];
  /** As for instances: the cluster's tags are copied only when set and the create passes no Tags. */
  CopyTagsToSnapshot?: boolean;
  memberIds: string[];
  snapshotSeconds: number;
}

export interface DbClusterSnapshotModel extends Timed {
  DBClusterSnapshotIdentifier: string;
  DBClusterIdentifier: string;
  Engine: string;
  volumeGiB: number;
  TagList: Tag[];
  SnapshotType: 'manual' | 'automated';
  KmsKeyId?: string;
  /** Set on a CopyDBClusterSnapshot copy. */
  copiedFrom?: CopySource;
}

/** A KMS key (symmetric, customer managed unless `alias/aws/<service>`), with the aliases that name it. */
export interface KmsKeyModel {
  KeyId: string;
  Arn: string;
  Description: string;
  KeyManager: 'CUSTOMER' | 'AWS';
  aliases: string[];
  creationMs: number;
}

/** A DynamoDB table of the fleet (the pipeline's own state table lives in dynalite, not here). */
export interface DynamoTableModel {
  TableName: string;
  sizeBytes: number;
  /** Point-in-time recovery: exports need it. */
  pitr: boolean;
  Tags: Tag[];
  backupSeconds: number;
  exportSeconds: number;
}

export interface DynamoBackupModel extends Timed {
  BackupArn: string;
  BackupName: string;
  TableName: string;
  sizeBytes: number;
}

export interface DynamoExportModel extends Timed {
  ExportArn: string;
  TableName: string;
  S3Bucket: string;
  S3Prefix?: string;
  ExportFormat: string;
  ClientToken?: string;
}

export interface BusEvent {
  EventBusName: string;
  Source: string;
  DetailType: string;
  Detail: unknown;
  Resources: string[];
  at: string;
}

export interface SnsMessage {
  TopicArn: string;
  Subject?: string;
  Message: string;
  at: string;
}

interface RegionState {
  instances: Map<string, InstanceModel>;
  volumes: Map<string, VolumeModel>;
  snapshots: Map<string, SnapshotModel>;
  images: Map<string, ImageModel>;
  dbInstances: Map<string, DbInstanceModel>;
  dbSnapshots: Map<string, DbSnapshotModel>;
  dbClusters: Map<string, DbClusterModel>;
  dbClusterSnapshots: Map<string, DbClusterSnapshotModel>;
  dynamoTables: Map<string, DynamoTableModel>;
  dynamoBackups: Map<string, DynamoBackupModel>;
  dynamoExports: Map<string, DynamoExportModel>;
  lastSnapshotAtByVolume: Map<string, number>;
  /** KMS keys by KeyId, and alias name (`alias/x`) -> KeyId. */
  kmsKeys: Map<string, KmsKeyModel>;
  kmsAliases: Map<string, string>;
}

export interface ModelOptions {
  accountId?: string;
  clock: Clock;
  random?: () => number;
  faults?: Partial<Faults>;
  limits?: Partial<Limits>;
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

/**
 * Regions that exist but need an opt-in: DescribeRegions AllRegions=true lists them `not-opted-in`
 * unless enabled, and a name outside both lists is not a region at all.
 */
const OPT_IN_REGIONS = [
  'af-south-1',
  'ap-east-1',
  'ap-south-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'eu-south-1',
  'eu-south-2',
  'eu-central-2',
  'me-south-1',
  'me-central-1',
  'il-central-1',
  'ca-west-1',
];
const OTHER_STANDARD_REGIONS = ['ap-south-1', 'ap-northeast-2', 'ap-northeast-3', 'eu-west-3'];

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
const COPY_SLOWDOWN = 1.5;

function arnPartition(region: string): string {
  return region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
}

function paginate<T>(
  items: T[],
  maxResults: number | undefined,
  token: string | undefined,
  max = 1000,
): { page: T[]; next?: string } {
  const size = Math.min(Math.max(maxResults ?? max, 1), max);
  const start = token ? Number.parseInt(Buffer.from(token, 'base64').toString('utf8'), 10) : 0;
  if (!Number.isFinite(start) || start < 0)
    throw new AwsApiError('InvalidParameterValue', `Invalid pagination token: ${token}`);
  const page = items.slice(start, start + size);
  const nextStart = start + size;
  return nextStart < items.length ? { page, next: Buffer.from(String(nextStart)).toString('base64') } : { page };
}

function matchesFilter(
  tags: Tag[],
  attributes: Record<string, string | string[] | undefined>,
  filter: Filter,
): boolean {
  const values = filter.Values ?? [];
  const name = filter.Name ?? '';
  if (name.startsWith('tag:')) {
    const key = name.slice(4);
    const tag = tags.find((t) => t.Key === key);
    return tag !== undefined && values.some((v) => wildcard(v, tag.Value));
  }
  if (name === 'tag-key') return tags.some((t) => values.includes(t.Key));
  const attribute = attributes[name];
  if (attribute === undefined) throw new AwsApiError('InvalidParameterValue', `The filter '${name}' is invalid`);
  const candidates = Array.isArray(attribute) ? attribute : [attribute];
  return candidates.some((c) => values.some((v) => wildcard(v, c)));
}

/** An RDS Filter (DescribeDBInstances, DescribeDBClusters): exact values, no wildcards, at most 100 values. */
export type RdsFilter = { Name?: string; Values?: string[] };

function matchesRdsFilters(filters: RdsFilter[] | undefined, attributes: Record<string, string[]>): boolean {
  return (filters ?? []).every((filter) => {
    const name = filter.Name ?? '';
    const candidates = attributes[name];
    if (!candidates) throw new AwsApiError('InvalidParameterValue', `Unrecognized filter name: ${name}`);
    const values = filter.Values ?? [];
    if (values.length > 100)
      throw new AwsApiError('InvalidParameterCombination', `Filter ${name} accepts at most 100 values.`);
    return candidates.some((c) => values.includes(c));
  });
}

/**
 * EC2 filter value matching: `*` is any run of characters, `?` exactly one, and a backslash makes the
 * next character literal (`\*amazon\?\\` is the literal `*amazon?\`), as EC2 documents for Filter.
 */
export function wildcard(pattern: string, value: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === '\\' && i + 1 < pattern.length) {
      i += 1;
      re += pattern.charAt(i).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    } else if (c === '*') re += '[\\s\\S]*';
    else if (c === '?') re += '[\\s\\S]';
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`${re}$`).test(value);
}

export class AwsModel {
  readonly accountId: string;
  readonly clock: Clock;
  readonly random: () => number;
  readonly faults: Faults;
  readonly limits: Limits;
  readonly enabledRegions: readonly string[];
  readonly sns: SnsMessage[] = [];
  /** SNS topics by ARN: Publish reaches only a topic CreateTopic made, as in AWS. */
  readonly topics = new Set<string>();
  /** S3 buckets by name (one namespace for every region) with their region: exports need one. */
  readonly s3Buckets = new Map<string, { region: string; createdAt: string }>();
  readonly events: BusEvent[] = [];
  /** Calls by operation name ("ec2:CreateSnapshots"), including throttled ones. */
  readonly calls = new Map<string, number>();
  private readonly regions = new Map<string, RegionState>();
  private readonly buckets = new Map<string, Bucket>();
  private readonly tokenBuckets: boolean;
  private readonly tokenClock: Clock;
  private counter = 0;

  constructor(options: ModelOptions) {
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
    this.limits = { ...AWS_LIMITS, ...options.limits };
    this.tokenBuckets = options.tokenBuckets ?? true;
    this.tokenClock = options.tokenClock ?? options.clock;
    this.enabledRegions = [...(options.enabledRegions ?? DEFAULT_ENABLED_REGIONS)];
  }

  region(name: string): RegionState {
    let state = this.regions.get(name);
    if (!state) {
      state = {
        instances: new Map(),
        volumes: new Map(),
        snapshots: new Map(),
        images: new Map(),
        dbInstances: new Map(),
        dbSnapshots: new Map(),
        dbClusters: new Map(),
        dbClusterSnapshots: new Map(),
        dynamoTables: new Map(),
        dynamoBackups: new Map(),
        dynamoExports: new Map(),
        lastSnapshotAtByVolume: new Map(),
        kmsKeys: new Map(),
        kmsAliases: new Map(),
      };
      this.regions.set(name, state);
    }
    return state;
  }

  private nowMs(): number {
    return this.clock.now().getTime();
  }

  private nextId(prefix: string): string {
    this.counter++;
    const hex = (this.counter * 2654435761 + Math.floor(this.random() * 0xffff))
      .toString(16)
      .padStart(17, '0')
      .slice(-17);
    return `${prefix}-${hex}`;
  }

  // ---- fleet building -------------------------------------------------------------------------

  addVolume(region: string, v: Partial<VolumeModel> & { Size: number }): VolumeModel {
    const volume: VolumeModel = {
      VolumeId: v.VolumeId ?? this.nextId('vol'),
      VolumeType: 'gp3',
      AvailabilityZone: `${region}a`,
      Tags: [],
      State: 'available',
      snapshotSeconds: v.snapshotSeconds ?? Math.round(60 + v.Size * 12 * (0.7 + this.random() * 0.7)),
      ...v,
    };
    this.region(region).volumes.set(volume.VolumeId, volume);
    return volume;
  }

  addInstance(
    region: string,
    i: Partial<InstanceModel> & { volumes: (Partial<VolumeModel> & { Size: number })[] },
  ): InstanceModel {
    const instanceId = i.InstanceId ?? this.nextId('i');
    const volumeIds = i.volumes.map(
      (v) => this.addVolume(region, { ...v, State: 'in-use', attachedTo: instanceId }).VolumeId,
    );
    const { volumes: _volumes, ...rest } = i;
    const instance: InstanceModel = {
      InstanceId: instanceId,
      State: 'running',
      InstanceType: 'm7g.large',
      Tags: [],
      ...rest,
      volumeIds,
    };
    this.region(region).instances.set(instanceId, instance);
    return instance;
  }

  addDbInstance(region: string, d: Partial<DbInstanceModel> & { DBInstanceIdentifier: string }): DbInstanceModel {
    const allocated = d.AllocatedStorage ?? 100;
    const db: DbInstanceModel = {
      Engine: 'postgres',
      DBInstanceClass: 'db.r7g.large',
      AllocatedStorage: allocated,
      status: 'available',
      TagList: [],
      snapshotSeconds: d.snapshotSeconds ?? Math.round(120 + allocated * 8 * (0.7 + this.random() * 0.7)),
      ...d,
    };
    this.region(region).dbInstances.set(db.DBInstanceIdentifier, db);
    return db;
  }

  /**
   * An Aurora cluster and its member instances (`<cluster>-instance-<n>`); member tags are given
   * separately because operators often tag the instance they see rather than the cluster.
   */
  addDbCluster(
    region: string,
    c: Partial<Omit<DbClusterModel, 'memberIds'>> & {
      DBClusterIdentifier: string;
      members?: number;
      memberTags?: Tag[];
    },
  ): DbClusterModel {
    const { members = 2, memberTags = [], ...rest } = c;
    const volumeGiB = c.volumeGiB ?? 100;
    const cluster: DbClusterModel = {
      Engine: 'aurora-postgresql',
      volumeGiB,
      status: 'available',
      TagList: [],
      snapshotSeconds: c.snapshotSeconds ?? Math.round(90 + volumeGiB * 4 * (0.7 + this.random() * 0.7)),
      ...rest,
      memberIds: [],
    };
    for (let n = 1; n <= members; n++) {
      const id = `${cluster.DBClusterIdentifier}-instance-${n}`;
      this.addDbInstance(region, {
        DBInstanceIdentifier: id,
        Engine: cluster.Engine,
        AllocatedStorage: 1,
        DBClusterIdentifier: cluster.DBClusterIdentifier,
        TagList: memberTags,
      });
      cluster.memberIds.push(id);
    }
    this.region(region).dbClusters.set(cluster.DBClusterIdentifier, cluster);
    return cluster;
  }

  addDynamoTable(region: string, t: Partial<DynamoTableModel> & { TableName: string }): DynamoTableModel {
    const sizeBytes = t.sizeBytes ?? 5 * 1024 ** 3;
    const gib = sizeBytes / 1024 ** 3;
    const table: DynamoTableModel = {
      pitr: false,
      Tags: [],
      // On-demand backups are near-instant whatever the size; exports scan the table.
      backupSeconds: t.backupSeconds ?? Math.round(20 + gib * 2 * (0.7 + this.random() * 0.7)),
      exportSeconds: t.exportSeconds ?? Math.round(300 + gib * 40 * (0.7 + this.random() * 0.7)),
      ...t,
      sizeBytes,
    };
    this.region(region).dynamoTables.set(table.TableName, table);
    return table;
  }

  /** An on-demand backup that already exists (history for retention). */
  addExistingDynamoBackup(
    region: string,
    b: { TableName: string; BackupName: string; startMs: number },
  ): DynamoBackupModel {
    const backup: DynamoBackupModel = {
      BackupArn: `${this.dynamoTableArn(region, b.TableName)}/backup/${b.startMs}-${this.nextId('b').slice(2, 10)}`,
      BackupName: b.BackupName,
      TableName: b.TableName,
      sizeBytes: 1024 ** 3,
      startMs: b.startMs,
      durationMs: 0,
    };
    this.region(region).dynamoBackups.set(backup.BackupArn, backup);
    return backup;
  }

  /** A snapshot that already exists (history for retention). */
  addExistingSnapshot(
    region: string,
    s: Partial<SnapshotModel> & { VolumeId: string; startMs: number },
  ): SnapshotModel {
    const snapshot: SnapshotModel = {
      SnapshotId: this.nextId('snap'),
      VolumeSize: 8,
      Description: '',
      Tags: [],
      OwnerId: this.accountId,
      Encrypted: true,
      durationMs: 0,
      ...s,
    };
    this.region(region).snapshots.set(snapshot.SnapshotId, snapshot);
    return snapshot;
  }

  addImage(region: string, image: Omit<ImageModel, 'ImageId'> & { ImageId?: string }): ImageModel {
    const full: ImageModel = {
      ImageId: image.ImageId ?? this.nextId('ami'),
      creationMs: this.nowMs(),
      OwnerId: this.accountId,
      ...image,
    };
    this.region(region).images.set(full.ImageId, full);
    return full;
  }

  addExistingDbSnapshot(
    region: string,
    s: Partial<DbSnapshotModel> & { DBSnapshotIdentifier: string; DBInstanceIdentifier: string; startMs: number },
  ): DbSnapshotModel {
    const snapshot: DbSnapshotModel = {
      Engine: 'postgres',
      AllocatedStorage: 100,
      TagList: [],
      SnapshotType: 'manual',
      durationMs: 0,
      ...s,
    };
    this.region(region).dbSnapshots.set(snapshot.DBSnapshotIdentifier, snapshot);
    return snapshot;
  }

  addExistingDbClusterSnapshot(
    region: string,
    s: Partial<DbClusterSnapshotModel> & {
      DBClusterSnapshotIdentifier: string;
      DBClusterIdentifier: string;
      startMs: number;
    },
  ): DbClusterSnapshotModel {
    const snapshot: DbClusterSnapshotModel = {
      Engine: 'aurora-postgresql',
      volumeGiB: 100,
      TagList: [],
      SnapshotType: 'manual',
      durationMs: 0,
      ...s,
    };
    this.region(region).dbClusterSnapshots.set(snapshot.DBClusterSnapshotIdentifier, snapshot);
    return snapshot;
  }

  // ---- timing ---------------------------------------------------------------------------------

  private phase(t: Timed): { state: 'pending' | 'completed' | 'error'; progress: number } {
    const elapsed = this.nowMs() - t.startMs;
    const fraction = t.durationMs <= 0 ? 1 : elapsed / t.durationMs;
    if (t.failAt !== undefined && fraction >= t.failAt) return { state: 'error', progress: reportedProgress(t.failAt) };
    if (fraction >= 1) return { state: 'completed', progress: 100 };
    return { state: 'pending', progress: reportedProgress(fraction) };
  }

  private timing(seconds: number): Timed {
    const spread = 0.85 + this.random() * 0.3;
    const doomed = this.random() < this.faults.snapshotFailureRate;
    return {
      startMs: this.nowMs(),
      durationMs: Math.max(1000, Math.round(seconds * spread * 1000)),
      ...(doomed ? { failAt: 0.2 + this.random() * 0.6 } : {}),
    };
  }

  // ---- request gate: counting, fault injection, token buckets --------------------------------

  /** A create that was made: answered, or (serverErrorAfterCreateRate) answered with a 500 that loses the answer. */
  private created<T>(service: 'ec2' | 'rds' | 'dynamodb', result: T): T {
    if (this.faults.serverErrorAfterCreateRate > 0 && this.random() < this.faults.serverErrorAfterCreateRate) {
      const code = service === 'ec2' ? 'InternalError' : service === 'rds' ? 'InternalFailure' : 'InternalServerError';
      throw new AwsApiError(
        code,
        'We encountered an internal error. Please try again. (injected after the create)',
        500,
      );
    }
    return result;
  }

  /** Every operation passes here first: counts it, then may throttle it. */
  gate(service: 'ec2' | 'rds' | 'sns' | 'events' | 'dynamodb' | 'kms', operation: string): void {
    const key = `${service}:${operation}`;
    this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
    const throttleCode =
      service === 'ec2'
        ? 'RequestLimitExceeded'
        : service === 'dynamodb' || service === 'kms'
          ? 'ThrottlingException'
          : 'Throttling';
    if (this.faults.throttleRate > 0 && this.random() < this.faults.throttleRate) {
      throw new AwsApiError(throttleCode, 'Request limit exceeded (injected fault).', service === 'ec2' ? 503 : 400);
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
    if (bucket.tokens < 1)
      throw new AwsApiError(throttleCode, 'Request limit exceeded.', service === 'ec2' ? 503 : 400);
    bucket.tokens -= 1;
  }

  // ---- EC2 -------------------------------------------------------------------------------------

  describeInstances(
    region: string,
    input: { InstanceIds?: string[]; Filters?: Filter[]; MaxResults?: number; NextToken?: string },
  ) {
    this.gate('ec2', 'DescribeInstances');
    const r = this.region(region);
    if (input.InstanceIds?.length && input.MaxResults !== undefined) {
      throw new AwsApiError(
        'InvalidParameterCombination',
        'The parameter instancesSet cannot be used with the parameter maxResults',
      );
    }
    for (const id of input.InstanceIds ?? []) {
      if (!/^i-[0-9a-f]{8,17}$/.test(id)) throw new AwsApiError('InvalidInstanceID.Malformed', `Invalid id: "${id}"`);
      if (!r.instances.has(id))
        throw new AwsApiError('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
    }
    const selected = [...r.instances.values()].filter(
      (i) =>
        (!input.InstanceIds?.length || input.InstanceIds.includes(i.InstanceId)) &&
        (input.Filters ?? []).every((f) =>
          matchesFilter(
            i.Tags,
            { 'instance-state-name': i.State, 'instance-id': i.InstanceId, 'instance-type': i.InstanceType },
            f,
          ),
        ),
    );
    const { page, next } = paginate(selected, input.MaxResults, input.NextToken);
    return {
      Reservations: page.map((i) => ({
        ReservationId: `r-${i.InstanceId.slice(2)}`,
        OwnerId: this.accountId,
        Instances: [
          {
            InstanceId: i.InstanceId,
            InstanceType: i.InstanceType,
            State: {
              Name: i.State,
              Code: { pending: 0, running: 16, stopping: 64, stopped: 80, terminated: 48 }[i.State],
            },
            Tags: i.Tags,
            BlockDeviceMappings: i.volumeIds.map((volumeId, index) => ({
              DeviceName: index === 0 ? '/dev/xvda' : `/dev/sd${String.fromCharCode(102 + index)}`,
              Ebs: { VolumeId: volumeId, Status: 'attached', DeleteOnTermination: index === 0 },
            })),
          },
        ],
      })),
      ...(next ? { NextToken: next } : {}),
    };
  }

  describeVolumes(
    region: string,
    input: { VolumeIds?: string[]; Filters?: Filter[]; MaxResults?: number; NextToken?: string },
  ) {
    this.gate('ec2', 'DescribeVolumes');
    const r = this.region(region);
    for (const id of input.VolumeIds ?? []) {
      if (!r.volumes.has(id)) throw new AwsApiError('InvalidVolume.NotFound', `The volume '${id}' does not exist.`);
    }
    const selected = [...r.volumes.values()].filter(
      (v) =>
        (!input.VolumeIds?.length || input.VolumeIds.includes(v.VolumeId)) &&
        (input.Filters ?? []).every((f) =>
          matchesFilter(
            v.Tags,
            { status: v.State, 'volume-id': v.VolumeId, 'attachment.instance-id': v.attachedTo ?? [] },
            f,
          ),
        ),
    );
    const { page, next } = paginate(selected, input.MaxResults, input.NextToken, 500);
    return {
      Volumes: page.map((v) => ({
        VolumeId: v.VolumeId,
        Size: v.Size,
        VolumeType: v.VolumeType,
        AvailabilityZone: v.AvailabilityZone,
        State: v.State,
        Encrypted: true,
        Tags: v.Tags,
        Attachments: v.attachedTo
          ? [{ InstanceId: v.attachedTo, VolumeId: v.VolumeId, State: 'attached', Device: '/dev/xvda' }]
          : [],
      })),
      ...(next ? { NextToken: next } : {}),
    };
  }

  private snapshotView(s: SnapshotModel) {
    const { state, progress } = this.phase(s);
    return {
      SnapshotId: s.SnapshotId,
      VolumeId: s.VolumeId,
      VolumeSize: s.VolumeSize,
      State: state,
      StateMessage: state === 'error' ? 'Snapshot failed: internal error (simulated)' : undefined,
      Progress: `${progress}%`,
      StartTime: new Date(s.startMs),
      Description: s.Description,
      OwnerId: s.OwnerId,
      Encrypted: s.Encrypted,
      ...(s.KmsKeyId ? { KmsKeyId: s.KmsKeyId } : {}),
      Tags: s.Tags,
    };
  }

  describeSnapshots(
    region: string,
    input: { SnapshotIds?: string[]; OwnerIds?: string[]; Filters?: Filter[]; MaxResults?: number; NextToken?: string },
  ) {
    this.gate('ec2', 'DescribeSnapshots');
    const r = this.region(region);
    for (const id of input.SnapshotIds ?? []) {
      if (!r.snapshots.has(id))
        throw new AwsApiError('InvalidSnapshot.NotFound', `The snapshot '${id}' does not exist.`);
    }
    const selected = [...r.snapshots.values()].filter((s) => {
      if (input.SnapshotIds?.length && !input.SnapshotIds.includes(s.SnapshotId)) return false;
      if (
        input.OwnerIds?.length &&
        !input.OwnerIds.some((o) => (o === 'self' ? s.OwnerId === this.accountId : o === s.OwnerId))
      )
        return false;
      const view = this.phase(s);
      const byTag = (input.Filters ?? []).some((f) => f.Name?.startsWith('tag:'));
      if (byTag && this.nowMs() - s.startMs < this.faults.tagFilterLagSeconds * 1000) return false;
      return (input.Filters ?? []).every((f) =>
        matchesFilter(
          s.Tags,
          { status: view.state, 'volume-id': s.VolumeId, 'snapshot-id': s.SnapshotId, 'owner-id': s.OwnerId },
          f,
        ),
      );
    });
    const { page, next } = paginate(selected, input.MaxResults, input.NextToken);
    return { Snapshots: page.map((s) => this.snapshotView(s)), ...(next ? { NextToken: next } : {}) };
  }

  private assertCanSnapshot(r: RegionState, volume: VolumeModel): void {
    const pending = [...r.snapshots.values()].filter((s) => this.phase(s).state === 'pending');
    if (pending.length >= this.limits.pendingSnapshotsPerRegion) {
      throw new AwsApiError(
        'PendingSnapshotLimitExceeded',
        `The maximum number of pending snapshots (${this.limits.pendingSnapshotsPerRegion}) has been reached.`,
      );
    }
    const perVolume = pending.filter((s) => s.VolumeId === volume.VolumeId).length;
    const max =
      volume.VolumeType === 'st1' || volume.VolumeType === 'sc1' ? 1 : this.limits.concurrentSnapshotsPerVolume;
    if (perVolume >= max) {
      throw new AwsApiError(
        'ConcurrentSnapshotLimitExceeded',
        `Too many concurrent snapshots for volume ${volume.VolumeId}.`,
      );
    }
    const last = r.lastSnapshotAtByVolume.get(volume.VolumeId);
    if (last !== undefined && this.nowMs() - last < this.limits.secondsBetweenSnapshotsPerVolume * 1000) {
      throw new AwsApiError(
        'SnapshotCreationPerVolumeRateExceeded',
        `The maximum per volume CreateSnapshot request rate has been exceeded for ${volume.VolumeId}.`,
      );
    }
  }

  private createSnapshotOf(region: string, volume: VolumeModel, description: string, tags: Tag[]): SnapshotModel {
    const r = this.region(region);
    const snapshot: SnapshotModel = {
      SnapshotId: this.nextId('snap'),
      VolumeId: volume.VolumeId,
      VolumeSize: volume.Size,
      Description: description,
      Tags: tags,
      OwnerId: this.accountId,
      Encrypted: true,
      ...this.timing(volume.snapshotSeconds),
    };
    r.snapshots.set(snapshot.SnapshotId, snapshot);
    r.lastSnapshotAtByVolume.set(volume.VolumeId, this.nowMs());
    return snapshot;
  }

  createSnapshot(
    region: string,
    input: { VolumeId?: string; Description?: string; TagSpecifications?: { ResourceType?: string; Tags?: Tag[] }[] },
  ) {
    this.gate('ec2', 'CreateSnapshot');
    const r = this.region(region);
    const volume = input.VolumeId ? r.volumes.get(input.VolumeId) : undefined;
    if (!volume) throw new AwsApiError('InvalidVolume.NotFound', `The volume '${input.VolumeId}' does not exist.`);
    if (volume.State === 'error')
      throw new AwsApiError('IncorrectState', `Volume ${volume.VolumeId} is in error state.`);
    this.assertCanSnapshot(r, volume);
    const tags = (input.TagSpecifications ?? [])
      .filter((t) => t.ResourceType === 'snapshot')
      .flatMap((t) => t.Tags ?? []);
    const s = this.createSnapshotOf(region, volume, input.Description ?? '', tags);
    return this.created('ec2', { ...this.snapshotView(s) });
  }

  createSnapshots(
    region: string,
    input: {
      InstanceSpecification?: { InstanceId?: string; ExcludeBootVolume?: boolean };
      Description?: string;
      CopyTagsFromSource?: string;
      TagSpecifications?: { ResourceType?: string; Tags?: Tag[] }[];
    },
  ) {
    this.gate('ec2', 'CreateSnapshots');
    const r = this.region(region);
    const instanceId = input.InstanceSpecification?.InstanceId;
    const instance = instanceId ? r.instances.get(instanceId) : undefined;
    if (!instance)
      throw new AwsApiError('InvalidInstanceID.NotFound', `The instance ID '${instanceId}' does not exist`);
    if (instance.State === 'terminated')
      throw new AwsApiError('IncorrectInstanceState', `Instance ${instanceId} is terminated.`);
    const volumes = instance.volumeIds
      .slice(input.InstanceSpecification?.ExcludeBootVolume ? 1 : 0)
      .map((id) => r.volumes.get(id))
      .filter((v): v is VolumeModel => v !== undefined);
    // All-or-nothing, as AWS does: check every volume before creating any snapshot.
    for (const v of volumes) this.assertCanSnapshot(r, v);
    const tags = (input.TagSpecifications ?? [])
      .filter((t) => t.ResourceType === 'snapshot')
      .flatMap((t) => t.Tags ?? []);
    // CopyTagsFromSource=volume: each snapshot also gets its volume's tags (explicit tags win on a clash).
    const withVolumeTags = (v: VolumeModel) =>
      input.CopyTagsFromSource === 'volume'
        ? [...v.Tags.filter((t) => !t.Key.startsWith('aws:') && !tags.some((x) => x.Key === t.Key)), ...tags]
        : tags;
    const snapshots = volumes.map((v) => this.createSnapshotOf(region, v, input.Description ?? '', withVolumeTags(v)));
    return this.created('ec2', {
      Snapshots: snapshots.map((s) => ({
        SnapshotId: s.SnapshotId,
        VolumeId: s.VolumeId,
        VolumeSize: s.VolumeSize,
        State: 'pending',
        Progress: '0%',
        StartTime: new Date(s.startMs),
        Description: s.Description,
        OwnerId: s.OwnerId,
        Tags: s.Tags,
      })),
    });
  }

  deleteSnapshot(region: string, input: { SnapshotId?: string }) {
    this.gate('ec2', 'DeleteSnapshot');
    const r = this.region(region);
    const id = input.SnapshotId ?? '';
    if (!r.snapshots.has(id)) throw new AwsApiError('InvalidSnapshot.NotFound', `The snapshot '${id}' does not exist.`);
    const image = [...r.images.values()].find((i) => i.snapshotIds.includes(id));
    if (image) {
      throw new AwsApiError('InvalidSnapshot.InUse', `The snapshot ${id} is currently in use by ${image.ImageId}`);
    }
    r.snapshots.delete(id);
    return {};
  }

  private imageState(
    r: RegionState,
    image: ImageModel,
  ): { state: 'pending' | 'available' | 'failed' | 'disabled'; reason?: string } {
    if (image.disabled) return { state: 'disabled' };
    const phases = image.snapshotIds
      .map((id) => r.snapshots.get(id))
      .map((s) => (s ? this.phase(s).state : 'completed'));
    if (phases.includes('error'))
      return { state: 'failed', reason: 'Snapshot creation failed for one of the image volumes (simulated)' };
    return { state: phases.includes('pending') ? 'pending' : 'available' };
  }

  private imageView(r: RegionState, i: ImageModel) {
    const { state, reason } = this.imageState(r, i);
    return {
      ImageId: i.ImageId,
      Name: i.Name,
      ...(i.Description ? { Description: i.Description } : {}),
      State: state,
      ...(reason ? { StateReason: { Code: 'Client.UserInitiated', Message: reason } } : {}),
      OwnerId: i.OwnerId ?? this.accountId,
      CreationDate: new Date(i.creationMs ?? 0).toISOString(),
      ImageType: 'machine',
      Public: false,
      RootDeviceType: 'ebs',
      ...(i.sourceInstanceId ? { SourceInstanceId: i.sourceInstanceId } : {}),
      Tags: i.Tags,
      BlockDeviceMappings: i.snapshotIds.map((id, index) => ({
        DeviceName: `/dev/sd${String.fromCharCode(97 + index)}`,
        Ebs: { SnapshotId: id },
      })),
    };
  }

  describeImages(
    region: string,
    input: {
      ImageIds?: string[];
      Owners?: string[];
      Filters?: Filter[];
      MaxResults?: number;
      NextToken?: string;
      IncludeDisabled?: boolean;
    },
  ) {
    this.gate('ec2', 'DescribeImages');
    const r = this.region(region);
    for (const id of input.ImageIds ?? []) {
      if (!/^ami-[0-9a-f]{8,17}$/.test(id)) throw new AwsApiError('InvalidAMIID.Malformed', `Invalid id: "${id}"`);
      if (!r.images.has(id)) throw new AwsApiError('InvalidAMIID.NotFound', `The image id '[${id}]' does not exist`);
    }
    const selected = [...r.images.values()].filter((i) => {
      const owner = i.OwnerId ?? this.accountId;
      if (input.ImageIds?.length && !input.ImageIds.includes(i.ImageId)) return false;
      // A disabled AMI is not listed by default; asked for by id, it is (so a check still sees it).
      if (i.disabled && !input.IncludeDisabled && !input.ImageIds?.length) return false;
      if (input.Owners?.length && !input.Owners.some((o) => (o === 'self' ? owner === this.accountId : o === owner)))
        return false;
      const attributes = {
        'block-device-mapping.snapshot-id': i.snapshotIds,
        'image-id': i.ImageId,
        name: i.Name,
        state: this.imageState(r, i).state,
        'owner-id': owner,
      };
      return (input.Filters ?? []).every((f) => matchesFilter(i.Tags, attributes, f));
    });
    const { page, next } = paginate(selected, input.MaxResults, input.NextToken);
    return { Images: page.map((i) => this.imageView(r, i)), ...(next ? { NextToken: next } : {}) };
  }

  /**
   * CreateImage: one snapshot per attached EBS volume (all-or-nothing against the snapshot limits, as
   * CreateSnapshots), tagged per TagSpecifications (`image`, `snapshot`); the name must be valid and
   * unused in the region. NoReboot false on a running instance is allowed and recorded as a reboot.
   */
  createImage(
    region: string,
    input: {
      InstanceId?: string;
      Name?: string;
      Description?: string;
      NoReboot?: boolean;
      TagSpecifications?: { ResourceType?: string; Tags?: Tag[] }[];
    },
  ) {
    this.gate('ec2', 'CreateImage');
    const r = this.region(region);
    const instanceId = input.InstanceId ?? '';
    if (!/^i-[0-9a-f]{8,17}$/.test(instanceId))
      throw new AwsApiError('InvalidInstanceID.Malformed', `Invalid id: "${instanceId}"`);
    const instance = r.instances.get(instanceId);
    if (!instance)
      throw new AwsApiError('InvalidInstanceID.NotFound', `The instance ID '${instanceId}' does not exist`);
    if (instance.State === 'terminated')
      throw new AwsApiError('IncorrectInstanceState', `Instance ${instanceId} is terminated.`);
    const name = input.Name ?? '';
    if (!/^[A-Za-z0-9()[\] ./'@_-]{3,128}$/.test(name))
      throw new AwsApiError(
        'InvalidAMIName.Malformed',
        `AMI names must be between 3 and 128 characters long, and may contain letters, numbers, '(', ')', '.', '-', '/', '_', '[', ']', ' ', '@' and "'": ${name}`,
      );
    const taken = [...r.images.values()].find(
      (i) => i.Name === name && (i.OwnerId ?? this.accountId) === this.accountId,
    );
    if (taken)
      throw new AwsApiError('InvalidAMIName.Duplicate', `AMI name ${name} is already in use by AMI ${taken.ImageId}`);
    for (const spec of input.TagSpecifications ?? []) {
      if (spec.ResourceType !== 'image' && spec.ResourceType !== 'snapshot')
        throw new AwsApiError(
          'InvalidParameterValue',
          `'${spec.ResourceType}' is not a valid taggable resource type for this operation.`,
        );
    }
    const tagsFor = (type: string) =>
      (input.TagSpecifications ?? []).filter((t) => t.ResourceType === type).flatMap((t) => t.Tags ?? []);
    const volumes = instance.volumeIds.map((id) => r.volumes.get(id)).filter((v): v is VolumeModel => v !== undefined);
    for (const v of volumes) this.assertCanSnapshot(r, v);
    const imageId = this.nextId('ami');
    const snapshots = volumes.map((v) =>
      this.createSnapshotOf(region, v, `Created by CreateImage(${instanceId}) for ${imageId}`, tagsFor('snapshot')),
    );
    const noReboot = input.NoReboot ?? false;
    r.images.set(imageId, {
      ImageId: imageId,
      Name: name,
      ...(input.Description ? { Description: input.Description } : {}),
      snapshotIds: snapshots.map((s) => s.SnapshotId),
      Tags: tagsFor('image'),
      OwnerId: this.accountId,
      creationMs: this.nowMs(),
      sourceInstanceId: instanceId,
      noReboot,
      rebooted: !noReboot && instance.State === 'running',
    });
    return this.created('ec2', { ImageId: imageId });
  }

  /** DisableImage: only the owner's; the image stays registered (its snapshots stay in use) but is hidden. */
  disableImage(region: string, input: { ImageId?: string }) {
    this.gate('ec2', 'DisableImage');
    const image = this.region(region).images.get(input.ImageId ?? '');
    if (!image || (image.OwnerId ?? this.accountId) !== this.accountId)
      throw new AwsApiError('InvalidAMIID.NotFound', `The image id '[${input.ImageId}]' does not exist`);
    image.disabled = true;
    return { Return: true };
  }

  /** DeregisterImage: the image goes (its snapshots stay, now free to delete); a pending one is refused. */
  deregisterImage(region: string, input: { ImageId?: string }) {
    this.gate('ec2', 'DeregisterImage');
    const r = this.region(region);
    const id = input.ImageId ?? '';
    if (!/^ami-[0-9a-f]{8,17}$/.test(id)) throw new AwsApiError('InvalidAMIID.Malformed', `Invalid id: "${id}"`);
    const image = r.images.get(id);
    if (!image || (image.OwnerId ?? this.accountId) !== this.accountId)
      throw new AwsApiError('InvalidAMIID.NotFound', `The image id '[${id}]' does not exist`);
    if (this.imageState(r, image).state === 'pending')
      throw new AwsApiError('InvalidAMIID.Unavailable', `The image ${id} is pending and cannot be deregistered yet`);
    r.images.delete(id);
    return { Return: true };
  }

  /**
   * CreateTags on snapshots and images (a key given again takes the new value), for scenarios where an
   * operator retags a backup; the pipeline itself tags only through TagSpecifications.
   */
  createTags(region: string, input: { Resources?: string[]; Tags?: Tag[] }) {
    this.gate('ec2', 'CreateTags');
    const r = this.region(region);
    for (const id of input.Resources ?? []) {
      const target = r.snapshots.get(id) ?? r.images.get(id);
      if (!target) throw new AwsApiError('InvalidID', `The ID '${id}' is not valid`);
      for (const tag of input.Tags ?? []) {
        target.Tags = [...target.Tags.filter((t) => t.Key !== tag.Key), tag];
      }
    }
    return {};
  }

  /**
   * DescribeRegions: the account's enabled regions (AllRegions adds the opt-in ones it has not enabled,
   * `not-opted-in`). A name that is no region at all is refused, as EC2 does.
   */
  describeRegions(_region: string, input: { RegionNames?: string[]; AllRegions?: boolean; Filters?: Filter[] }) {
    this.gate('ec2', 'DescribeRegions');
    const known = this.knownRegions();
    for (const name of input.RegionNames ?? []) {
      if (!known.includes(name)) throw new AwsApiError('InvalidParameterValue', `Invalid region name: ${name}`);
    }
    const listed = (input.AllRegions ? known : [...this.enabledRegions])
      .filter((name) => !input.RegionNames?.length || input.RegionNames.includes(name))
      .sort();
    const regions = listed.map((name) => ({
      RegionName: name,
      Endpoint: `ec2.${name}.amazonaws.com`,
      OptInStatus: !this.enabledRegions.includes(name)
        ? 'not-opted-in'
        : OPT_IN_REGIONS.includes(name)
          ? 'opted-in'
          : 'opt-in-not-required',
    }));
    return {
      Regions: regions.filter((r) =>
        (input.Filters ?? []).every((f) =>
          matchesFilter([], { 'region-name': r.RegionName, endpoint: r.Endpoint, 'opt-in-status': r.OptInStatus }, f),
        ),
      ),
    };
  }

  private knownRegions(): string[] {
    return [...new Set([...this.enabledRegions, ...OPT_IN_REGIONS, ...OTHER_STANDARD_REGIONS])];
  }

  private assertSourceRegion(name: string | undefined, parameter: string): string {
    if (!name) throw new AwsApiError('MissingParameter', `The request must contain the parameter ${parameter}`);
    if (!this.enabledRegions.includes(name))
      throw new AwsApiError('InvalidParameterValue', `Invalid value '${name}' for ${parameter}: not an enabled region`);
    return name;
  }

  /** Copies still in progress into a destination region, per service (each has its own limit). */
  copiesInProgress(region: string): { ebs: number; rds: number } {
    const r = this.region(region);
    const inProgress = (t: Timed & { copiedFrom?: CopySource }, crossRegionOnly: boolean) =>
      t.copiedFrom !== undefined &&
      (!crossRegionOnly || t.copiedFrom.region !== region) &&
      this.phase(t).state === 'pending';
    return {
      ebs: [...r.snapshots.values()].filter((s) => inProgress(s, false)).length,
      // RDS counts copies "from one AWS Region to another": a same-region copy is not one of them.
      rds:
        [...r.dbSnapshots.values()].filter((s) => inProgress(s, true)).length +
        [...r.dbClusterSnapshots.values()].filter((s) => inProgress(s, true)).length,
    };
  }

  /**
   * CopySnapshot, called in the destination region: a new snapshot of the same volume and size, pending
   * for longer than a fresh snapshot (the data crosses regions), encrypted with the given key (or the
   * destination's aws/ebs key), tagged from TagSpecifications. The source must be completed, a key must
   * exist in the destination, and at most `concurrentCopiesPerRegion` copies may be pending there.
   */
  copySnapshot(
    region: string,
    input: {
      SourceRegion?: string;
      SourceSnapshotId?: string;
      Description?: string;
      Encrypted?: boolean;
      KmsKeyId?: string;
      TagSpecifications?: { ResourceType?: string; Tags?: Tag[] }[];
    },
  ) {
    this.gate('ec2', 'CopySnapshot');
    const sourceRegion = this.assertSourceRegion(input.SourceRegion, 'SourceRegion');
    const sourceId = input.SourceSnapshotId;
    if (!sourceId) throw new AwsApiError('MissingParameter', 'The request must contain the parameter SourceSnapshotId');
    const source = this.region(sourceRegion).snapshots.get(sourceId);
    if (!source) throw new AwsApiError('InvalidSnapshot.NotFound', `The snapshot '${sourceId}' does not exist.`);
    const sourceState = this.phase(source).state;
    if (sourceState !== 'completed')
      throw new AwsApiError('IncorrectState', `Snapshot is in invalid state - ${sourceState}`);
    for (const spec of input.TagSpecifications ?? []) {
      if (spec.ResourceType !== 'snapshot')
        throw new AwsApiError(
          'InvalidParameterValue',
          `'${spec.ResourceType}' is not a valid taggable resource type for this operation.`,
        );
    }
    if (input.KmsKeyId && input.Encrypted !== true)
      throw new AwsApiError('InvalidParameterDependency', 'The parameter KmsKeyId requires the parameter Encrypted.');
    const key = input.KmsKeyId ? this.findKmsKey(region, input.KmsKeyId) : undefined;
    if (input.KmsKeyId && !key)
      throw new AwsApiError('InvalidKMSKey.NotFound', `The KMS key '${input.KmsKeyId}' does not exist in ${region}.`);
    if (this.copiesInProgress(region).ebs >= this.limits.concurrentCopiesPerRegion)
      throw new AwsApiError(
        'ResourceLimitExceeded',
        `Too many snapshot copies in progress. The limit is ${this.limits.concurrentCopiesPerRegion} for this destination region.`,
      );
    const encrypted = source.Encrypted || input.Encrypted === true;
    // Without a key an encrypted copy uses the destination's AWS managed key, as EBS does.
    const keyArn = key?.Arn ?? (encrypted ? this.findKmsKey(region, 'alias/aws/ebs')?.Arn : undefined);
    const volume = this.region(sourceRegion).volumes.get(source.VolumeId);
    const baseSeconds = volume?.snapshotSeconds ?? 60 + source.VolumeSize * 12;
    const copy: SnapshotModel = {
      SnapshotId: this.nextId('snap'),
      VolumeId: source.VolumeId,
      VolumeSize: source.VolumeSize,
      Description: input.Description ?? `[Copied ${source.SnapshotId} from ${sourceRegion}]`,
      Tags: (input.TagSpecifications ?? []).flatMap((t) => t.Tags ?? []),
      OwnerId: this.accountId,
      Encrypted: encrypted,
      ...(keyArn ? { KmsKeyId: keyArn } : {}),
      copiedFrom: { region: sourceRegion, id: source.SnapshotId },
      // Copies are slower than the snapshot was: the data crosses regions block by block.
      ...this.timing(baseSeconds * COPY_SLOWDOWN),
    };
    this.region(region).snapshots.set(copy.SnapshotId, copy);
    return this.created('ec2', { SnapshotId: copy.SnapshotId, Tags: copy.Tags });
  }

  /**
   * CopyImage, called in the destination: copies each of the image's snapshots there (the copies count
   * against the region's concurrent-copy limit, all or nothing) and registers a new image over them,
   * `pending` until they complete. Idempotent per ClientToken, as AWS is; the name must be unused.
   */
  copyImage(
    region: string,
    input: {
      SourceImageId?: string;
      SourceRegion?: string;
      Name?: string;
      Description?: string;
      Encrypted?: boolean;
      KmsKeyId?: string;
      ClientToken?: string;
      TagSpecifications?: { ResourceType?: string; Tags?: Tag[] }[];
    },
  ) {
    this.gate('ec2', 'CopyImage');
    const r = this.region(region);
    const sourceRegion = this.assertSourceRegion(input.SourceRegion, 'SourceRegion');
    if (input.ClientToken) {
      const earlier = [...r.images.values()].find((i) => i.clientToken === input.ClientToken);
      if (earlier) return { ImageId: earlier.ImageId };
    }
    const source = input.SourceImageId ? this.region(sourceRegion).images.get(input.SourceImageId) : undefined;
    if (!source)
      throw new AwsApiError('InvalidAMIID.NotFound', `The image id '[${input.SourceImageId}]' does not exist`);
    const sourceState = this.imageState(this.region(sourceRegion), source).state;
    if (sourceState !== 'available')
      throw new AwsApiError('InvalidAMIID.Unavailable', `Image ${source.ImageId} is ${sourceState}.`);
    const name = input.Name ?? source.Name;
    if ([...r.images.values()].some((i) => i.Name === name && (i.OwnerId ?? this.accountId) === this.accountId))
      throw new AwsApiError('InvalidAMIName.Duplicate', `AMI name ${name} is already in use`);
    if (input.KmsKeyId && input.Encrypted !== true)
      throw new AwsApiError('InvalidParameterDependency', 'The parameter KmsKeyId requires the parameter Encrypted.');
    const key = input.KmsKeyId ? this.findKmsKey(region, input.KmsKeyId) : undefined;
    if (input.KmsKeyId && !key)
      throw new AwsApiError('InvalidKMSKey.NotFound', `The KMS key '${input.KmsKeyId}' does not exist in ${region}.`);
    if (this.copiesInProgress(region).ebs + source.snapshotIds.length > this.limits.concurrentCopiesPerRegion)
      throw new AwsApiError(
        'ResourceLimitExceeded',
        `Too many snapshot copies in progress. The limit is ${this.limits.concurrentCopiesPerRegion} for this destination region.`,
      );
    const tagsFor = (type: string) =>
      (input.TagSpecifications ?? []).filter((t) => t.ResourceType === type).flatMap((t) => t.Tags ?? []);
    const imageId = this.nextId('ami');
    const snapshotIds = source.snapshotIds.map((id) => {
      const original = this.region(sourceRegion).snapshots.get(id);
      if (!original) throw new AwsApiError('InvalidSnapshot.NotFound', `The snapshot '${id}' does not exist.`);
      const volume = this.region(sourceRegion).volumes.get(original.VolumeId);
      const copy: SnapshotModel = {
        SnapshotId: this.nextId('snap'),
        VolumeId: original.VolumeId,
        VolumeSize: original.VolumeSize,
        Description: `Copied for DestinationAmi ${imageId} from SourceAmi ${source.ImageId} (${id}) from ${sourceRegion}`,
        Tags: tagsFor('snapshot'),
        OwnerId: this.accountId,
        Encrypted: original.Encrypted || input.Encrypted === true,
        ...(key ? { KmsKeyId: key.Arn } : {}),
        copiedFrom: { region: sourceRegion, id },
        ...this.timing((volume?.snapshotSeconds ?? 60 + original.VolumeSize * 12) * COPY_SLOWDOWN),
      };
      r.snapshots.set(copy.SnapshotId, copy);
      return copy.SnapshotId;
    });
    r.images.set(imageId, {
      ImageId: imageId,
      Name: name,
      ...(input.Description ? { Description: input.Description } : {}),
      snapshotIds,
      Tags: tagsFor('image'),
      OwnerId: this.accountId,
      creationMs: this.nowMs(),
      ...(input.ClientToken ? { clientToken: input.ClientToken } : {}),
    });
    return this.created('ec2', { ImageId: imageId });
  }

  // ---- KMS -------------------------------------------------------------------------------------

  private kmsArn(region: string, resource: string): string {
    return `arn:${arnPartition(region)}:kms:${region}:${this.accountId}:${resource}`;
  }

  /**
   * A KMS key in a region, named by an alias when given (`backup-dr` or `alias/backup-dr`); given an
   * existing keyId it adds the alias to that key instead. Ids are UUIDs derived from the region and a
   * count, not from the model's PRNG, so adding keys never shifts a seeded fleet's snapshot timings.
   */
  addKmsKey(
    region: string,
    k: { alias?: string; keyId?: string; description?: string } = {},
  ): { KeyId: string; Arn: string } {
    return this.createKmsKey(region, { ...k, manager: 'CUSTOMER' });
  }

  private createKmsKey(
    region: string,
    k: { alias?: string; keyId?: string; description?: string; manager: 'CUSTOMER' | 'AWS' },
  ): KmsKeyModel {
    const r = this.region(region);
    const alias = k.alias === undefined ? undefined : k.alias.startsWith('alias/') ? k.alias : `alias/${k.alias}`;
    if (alias !== undefined) {
      if (!/^alias\/[a-zA-Z0-9/_-]{1,250}$/.test(alias))
        throw new AwsApiError('InvalidAliasNameException', `Alias name ${alias} is not valid.`);
      if (alias.startsWith('alias/aws/') && k.manager === 'CUSTOMER')
        throw new AwsApiError('NotAuthorizedException', `Alias names starting with alias/aws/ are reserved.`);
      if (r.kmsAliases.has(alias))
        throw new AwsApiError(
          'AlreadyExistsException',
          `An alias with the name ${this.kmsArn(region, alias)} already exists`,
        );
    }
    const existing = k.keyId ? r.kmsKeys.get(k.keyId) : undefined;
    const hex = createHash('sha256')
      .update(`${this.accountId}/${region}/${r.kmsKeys.size}/${k.keyId ?? alias ?? ''}`)
      .digest('hex');
    const keyId =
      k.keyId ??
      `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
    const key: KmsKeyModel = existing ?? {
      KeyId: keyId,
      Arn: this.kmsArn(region, `key/${keyId}`),
      Description: k.description ?? '',
      KeyManager: k.manager,
      aliases: [],
      creationMs: this.nowMs(),
    };
    if (alias !== undefined) {
      key.aliases.push(alias);
      r.kmsAliases.set(alias, key.KeyId);
    }
    r.kmsKeys.set(key.KeyId, key);
    return key;
  }

  /**
   * A key by id, key ARN, alias name or alias ARN, in this region only (a key is regional). AWS managed
   * keys (`alias/aws/ebs`, `alias/aws/rds`) exist on first use, as they do in AWS.
   */
  private findKmsKey(region: string, ref: string): KmsKeyModel | undefined {
    const r = this.region(region);
    const byAlias = (name: string) => {
      const id = r.kmsAliases.get(name);
      if (id) return r.kmsKeys.get(id);
      const managed = /^alias\/aws\/(ebs|rds)$/.exec(name)?.[1];
      if (!managed) return undefined;
      const what = managed === 'ebs' ? 'EBS volumes' : 'RDS database volumes';
      return this.createKmsKey(region, {
        alias: name,
        manager: 'AWS',
        description: `Default key that protects my ${what} when no other key is defined`,
      });
    };
    const arn = /^arn:[^:]+:kms:([^:]*):([^:]*):(key|alias)\/(.+)$/.exec(ref);
    if (arn) {
      if (arn[1] !== region || arn[2] !== this.accountId) return undefined;
      return arn[3] === 'key' ? r.kmsKeys.get(arn[4] ?? '') : byAlias(`alias/${arn[4]}`);
    }
    return ref.startsWith('alias/') ? byAlias(ref) : r.kmsKeys.get(ref);
  }

  /** DescribeKey by key id, key ARN, alias name or alias ARN; NotFoundException names what was not found. */
  describeKey(region: string, input: { KeyId?: string }) {
    this.gate('kms', 'DescribeKey');
    const ref = input.KeyId;
    if (!ref)
      throw new AwsApiError(
        'ValidationException',
        "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null",
      );
    if (ref.startsWith('arn:') && !/^arn:[^:]+:kms:[^:]*:[^:]*:(key|alias)\/.+$/.test(ref))
      throw new AwsApiError('InvalidArnException', `Invalid arn ${ref}`);
    const key = this.findKmsKey(region, ref);
    if (!key) {
      const isAlias = ref.startsWith('alias/') || /:alias\//.test(ref);
      const arn = ref.startsWith('arn:') ? ref : this.kmsArn(region, isAlias ? ref : `key/${ref}`);
      throw new AwsApiError(
        'NotFoundException',
        isAlias ? `Alias ${arn} is not found.` : `Key '${arn}' does not exist`,
      );
    }
    return {
      KeyMetadata: {
        AWSAccountId: this.accountId,
        KeyId: key.KeyId,
        Arn: key.Arn,
        CreationDate: new Date(key.creationMs),
        Enabled: true,
        Description: key.Description,
        KeyUsage: 'ENCRYPT_DECRYPT',
        KeyState: 'Enabled',
        Origin: 'AWS_KMS',
        KeyManager: key.KeyManager,
        CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
        KeySpec: 'SYMMETRIC_DEFAULT',
        EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
        MultiRegion: false,
      },
    };
  }

  /** The region's keys with their aliases (tests, the runner's report). */
  kmsKeys(region: string) {
    return [...this.region(region).kmsKeys.values()].map((k) => ({ ...k, aliases: [...k.aliases] }));
  }

  // ---- RDS -------------------------------------------------------------------------------------

  dbInstanceArn(region: string, id: string): string {
    return `arn:${arnPartition(region)}:rds:${region}:${this.accountId}:db:${id}`;
  }

  dbSnapshotArn(region: string, id: string): string {
    return `arn:${arnPartition(region)}:rds:${region}:${this.accountId}:snapshot:${id}`;
  }

  /** A status that lasts until `statusUntilMs` (a modification, a reboot) reads `available` afterwards. */
  private settled(resource: { status: RdsStatus; statusUntilMs?: number }): RdsStatus {
    return resource.statusUntilMs !== undefined && this.nowMs() >= resource.statusUntilMs
      ? 'available'
      : resource.status;
  }

  private dbStatus(region: string, db: DbInstanceModel): string {
    const own = this.settled(db);
    // Storage optimization after a storage change still takes snapshots, as RDS does.
    if (own !== 'available' && own !== 'storage-optimization') return own;
    // A copy of one of its snapshots (same region) does not make the instance busy: only its own snapshot does.
    const busy = [...this.region(region).dbSnapshots.values()].some(
      (s) => s.DBInstanceIdentifier === db.DBInstanceIdentifier && !s.copiedFrom && this.phase(s).state === 'pending',
    );
    return busy ? 'backing-up' : 'available';
  }

  describeDBInstances(
    region: string,
    input: { DBInstanceIdentifier?: string; Filters?: RdsFilter[]; MaxRecords?: number; Marker?: string },
  ) {
    this.gate('rds', 'DescribeDBInstances');
    const r = this.region(region);
    if (input.DBInstanceIdentifier && !r.dbInstances.has(input.DBInstanceIdentifier)) {
      throw new AwsApiError('DBInstanceNotFound', `DBInstance ${input.DBInstanceIdentifier} not found.`, 404);
    }
    const selected = [...r.dbInstances.values()].filter(
      (d) =>
        (!input.DBInstanceIdentifier || d.DBInstanceIdentifier === input.DBInstanceIdentifier) &&
        matchesRdsFilters(input.Filters, {
          'db-instance-id': [d.DBInstanceIdentifier, this.dbInstanceArn(region, d.DBInstanceIdentifier)],
          'db-cluster-id': d.DBClusterIdentifier ? [d.DBClusterIdentifier] : [],
          engine: [d.Engine],
        }),
    );
    const { page, next } = paginate(selected, input.MaxRecords, input.Marker, 100);
    return {
      DBInstances: page.map((d) => ({
        DBInstanceIdentifier: d.DBInstanceIdentifier,
        DBInstanceArn: this.dbInstanceArn(region, d.DBInstanceIdentifier),
        DBInstanceClass: d.DBInstanceClass,
        Engine: d.Engine,
        DBInstanceStatus: this.dbStatus(region, d),
        AllocatedStorage: d.AllocatedStorage,
        StorageEncrypted: d.StorageEncrypted ?? true,
        CopyTagsToSnapshot: d.CopyTagsToSnapshot ?? false,
        TagList: d.TagList,
        ...(d.DBClusterIdentifier ? { DBClusterIdentifier: d.DBClusterIdentifier } : {}),
      })),
      ...(next ? { Marker: next } : {}),
    };
  }

  private dbSnapshotView(region: string, s: DbSnapshotModel) {
    const { state, progress } = this.phase(s);
    return {
      DBSnapshotIdentifier: s.DBSnapshotIdentifier,
      DBInstanceIdentifier: s.DBInstanceIdentifier,
      DBSnapshotArn: this.dbSnapshotArn(region, s.DBSnapshotIdentifier),
      SnapshotCreateTime: new Date(s.startMs),
      Engine: s.Engine,
      AllocatedStorage: s.AllocatedStorage,
      Status:
        state === 'pending' ? (s.copiedFrom ? 'copying' : 'creating') : state === 'completed' ? 'available' : 'failed',
      PercentProgress: progress,
      SnapshotType: s.SnapshotType,
      Encrypted: true,
      ...(s.KmsKeyId ? { KmsKeyId: s.KmsKeyId } : {}),
      // RDS names the source by ARN, and the source region, on a copy.
      ...(s.copiedFrom
        ? {
            SourceDBSnapshotIdentifier: this.dbSnapshotArn(s.copiedFrom.region, s.copiedFrom.id),
            SourceRegion: s.copiedFrom.region,
          }
        : {}),
      TagList: s.TagList,
    };
  }

  describeDBSnapshots(
    region: string,
    input: {
      DBSnapshotIdentifier?: string;
      DBInstanceIdentifier?: string;
      SnapshotType?: string;
      MaxRecords?: number;
      Marker?: string;
    },
  ) {
    this.gate('rds', 'DescribeDBSnapshots');
    const r = this.region(region);
    if (input.DBSnapshotIdentifier && !r.dbSnapshots.has(input.DBSnapshotIdentifier)) {
      throw new AwsApiError('DBSnapshotNotFound', `DBSnapshot ${input.DBSnapshotIdentifier} not found.`, 404);
    }
    const selected = [...r.dbSnapshots.values()].filter(
      (s) =>
        (!input.DBSnapshotIdentifier || s.DBSnapshotIdentifier === input.DBSnapshotIdentifier) &&
        (!input.DBInstanceIdentifier || s.DBInstanceIdentifier === input.DBInstanceIdentifier) &&
        (!input.SnapshotType || s.SnapshotType === input.SnapshotType),
    );
    const { page, next } = paginate(selected, input.MaxRecords, input.Marker, 100);
    return { DBSnapshots: page.map((s) => this.dbSnapshotView(region, s)), ...(next ? { Marker: next } : {}) };
  }

  createDBSnapshot(
    region: string,
    input: { DBSnapshotIdentifier?: string; DBInstanceIdentifier?: string; Tags?: Tag[] },
  ) {
    this.gate('rds', 'CreateDBSnapshot');
    const r = this.region(region);
    const db = input.DBInstanceIdentifier ? r.dbInstances.get(input.DBInstanceIdentifier) : undefined;
    if (!db) throw new AwsApiError('DBInstanceNotFound', `DBInstance ${input.DBInstanceIdentifier} not found.`, 404);
    const id = input.DBSnapshotIdentifier ?? '';
    if (!/^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{0,254}$/.test(id) || id.endsWith('-')) {
      throw new AwsApiError('InvalidParameterValue', `Invalid snapshot identifier: ${id}`);
    }
    if (r.dbSnapshots.has(id))
      throw new AwsApiError(
        'DBSnapshotAlreadyExists',
        `Cannot create the snapshot because a snapshot with the identifier ${id} already exists.`,
      );
    if (db.DBClusterIdentifier) {
      throw new AwsApiError(
        'InvalidDBInstanceState',
        `The specified instance is a member of cluster ${db.DBClusterIdentifier} and cannot be snapshotted directly.`,
      );
    }
    const status = this.dbStatus(region, db);
    if (status !== 'available' && status !== 'storage-optimization')
      throw new AwsApiError(
        'InvalidDBInstanceState',
        `Cannot snapshot DB instance ${db.DBInstanceIdentifier}: its status is ${status}.`,
      );
    const manual = [...r.dbSnapshots.values()].filter((s) => s.SnapshotType === 'manual').length;
    if (manual >= this.limits.manualDbSnapshotsPerRegion) {
      throw new AwsApiError(
        'SnapshotQuotaExceeded',
        `Cannot create more than ${this.limits.manualDbSnapshotsPerRegion} manual snapshots.`,
      );
    }
    const snapshot: DbSnapshotModel = {
      DBSnapshotIdentifier: id,
      DBInstanceIdentifier: db.DBInstanceIdentifier,
      Engine: db.Engine,
      AllocatedStorage: db.AllocatedStorage,
      // RDS: the instance's tags only when CopyTagsToSnapshot is on and the request passes none.
      TagList: input.Tags?.length ? input.Tags : db.CopyTagsToSnapshot ? [...db.TagList] : [],
      SnapshotType: 'manual',
      ...this.timing(db.snapshotSeconds),
    };
    r.dbSnapshots.set(id, snapshot);
    return this.created('rds', { DBSnapshot: this.dbSnapshotView(region, snapshot) });
  }

  deleteDBSnapshot(region: string, input: { DBSnapshotIdentifier?: string }) {
    this.gate('rds', 'DeleteDBSnapshot');
    const r = this.region(region);
    const s = input.DBSnapshotIdentifier ? r.dbSnapshots.get(input.DBSnapshotIdentifier) : undefined;
    if (!s) throw new AwsApiError('DBSnapshotNotFound', `DBSnapshot ${input.DBSnapshotIdentifier} not found.`, 404);
    if (this.phase(s).state === 'pending')
      throw new AwsApiError('InvalidDBSnapshotState', `Snapshot ${s.DBSnapshotIdentifier} is being created.`);
    r.dbSnapshots.delete(s.DBSnapshotIdentifier);
    return { DBSnapshot: this.dbSnapshotView(region, s) };
  }

  /**
   * Where a CopyDBSnapshot / CopyDBClusterSnapshot source is: an ARN names its region and account (a
   * cross-region copy must name its source so); a bare identifier is a snapshot in the calling region.
   * The SDK's SourceRegion only drives its PreSignedUrl: RDS itself goes by the ARN, and so does this.
   */
  private rdsCopySource(
    region: string,
    ref: string | undefined,
    kind: 'snapshot' | 'cluster-snapshot',
    parameter: string,
  ): { region: string; account: string; id: string } {
    if (!ref) throw new AwsApiError('MissingParameter', `The request must contain the parameter ${parameter}`);
    if (!ref.startsWith('arn:')) return { region, account: this.accountId, id: ref };
    const arn = /^arn:[^:]+:rds:([^:]+):([^:]+):([a-z-]+):(.+)$/.exec(ref);
    if (!arn || arn[3] !== kind)
      throw new AwsApiError('InvalidParameterValue', `${parameter} ${ref} is not a valid ${kind} ARN.`);
    return { region: arn[1] ?? '', account: arn[2] ?? '', id: arn[4] ?? '' };
  }

  /**
   * The checks CopyDBSnapshot and CopyDBClusterSnapshot share, after the source and target are known:
   * a cross-region copy of an encrypted snapshot (every model snapshot is) needs a KmsKeyId; the key
   * must exist in the destination; at most `concurrentCopiesPerRegion` cross-region copies may be in
   * progress into the destination (RDS answers SnapshotQuotaExceeded, "Cannot copy more than N
   * snapshots across regions"); and the manual snapshots quota counts copies too.
   */
  private assertCanCopyDb(
    region: string,
    input: { KmsKeyId?: string },
    crossRegion: boolean,
    manual: number,
    manualLimit: number,
  ): KmsKeyModel | undefined {
    if (crossRegion && !input.KmsKeyId)
      throw new AwsApiError(
        'InvalidParameterValue',
        'Must specify new KMS key for cross region encrypted snapshot copy.',
      );
    const key = input.KmsKeyId ? this.findKmsKey(region, input.KmsKeyId) : undefined;
    if (input.KmsKeyId && !key)
      throw new AwsApiError(
        'KMSKeyNotAccessibleFault',
        `The target KMS key [${input.KmsKeyId}] does not exist, is not enabled or you do not have permissions to access it.`,
      );
    const limit = this.limits.concurrentCopiesPerRegion;
    if (crossRegion && this.copiesInProgress(region).rds >= limit)
      throw new AwsApiError('SnapshotQuotaExceeded', `Cannot copy more than ${limit} snapshots across regions`);
    if (manual >= manualLimit)
      throw new AwsApiError('SnapshotQuotaExceeded', `Cannot create more than ${manualLimit} manual snapshots`);
    return key;
  }

  /** Tags of a copy: the source's when CopyTags (the explicit Tags win on a clash), then the explicit ones. */
  private copyTags(sourceTags: Tag[], input: { Tags?: Tag[]; CopyTags?: boolean }): Tag[] {
    const explicit = input.Tags ?? [];
    const copied = input.CopyTags ? sourceTags.filter((t) => !explicit.some((x) => x.Key === t.Key)) : [];
    return [...copied, ...explicit];
  }

  /**
   * CopyDBSnapshot, called in the destination region: a manual snapshot `copying` (PercentProgress
   * rising) then `available`, naming its source by ARN and region. A cross-region source is named by
   * ARN (the SDK adds a PreSignedUrl, which is accepted and ignored).
   */
  copyDBSnapshot(
    region: string,
    input: {
      SourceDBSnapshotIdentifier?: string;
      TargetDBSnapshotIdentifier?: string;
      KmsKeyId?: string;
      SourceRegion?: string;
      Tags?: Tag[];
      CopyTags?: boolean;
      PreSignedUrl?: string;
    },
  ) {
    this.gate('rds', 'CopyDBSnapshot');
    const from = this.rdsCopySource(region, input.SourceDBSnapshotIdentifier, 'snapshot', 'SourceDBSnapshotIdentifier');
    const source = from.account === this.accountId ? this.region(from.region).dbSnapshots.get(from.id) : undefined;
    if (!source)
      throw new AwsApiError('DBSnapshotNotFound', `DBSnapshot ${input.SourceDBSnapshotIdentifier} not found.`, 404);
    const sourceState = this.phase(source).state;
    if (sourceState !== 'completed')
      throw new AwsApiError(
        'InvalidDBSnapshotState',
        `Snapshot ${source.DBSnapshotIdentifier} must be available to be copied; it is ${sourceState === 'pending' ? 'being created' : 'failed'}.`,
      );
    const r = this.region(region);
    const id = input.TargetDBSnapshotIdentifier ?? '';
    if (!/^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{0,254}$/.test(id) || id.endsWith('-'))
      throw new AwsApiError('InvalidParameterValue', `Invalid snapshot identifier: ${id}`);
    if (r.dbSnapshots.has(id))
      throw new AwsApiError(
        'DBSnapshotAlreadyExists',
        `Cannot create the snapshot because a snapshot with the identifier ${id} already exists.`,
      );
    const manual = [...r.dbSnapshots.values()].filter((s) => s.SnapshotType === 'manual').length;
    const key = this.assertCanCopyDb(
      region,
      input,
      from.region !== region,
      manual,
      this.limits.manualDbSnapshotsPerRegion,
    );
    const db = this.region(from.region).dbInstances.get(source.DBInstanceIdentifier);
    const baseSeconds = db?.snapshotSeconds ?? 120 + source.AllocatedStorage * 8;
    const copy: DbSnapshotModel = {
      DBSnapshotIdentifier: id,
      DBInstanceIdentifier: source.DBInstanceIdentifier,
      Engine: source.Engine,
      AllocatedStorage: source.AllocatedStorage,
      TagList: this.copyTags(source.TagList, input),
      SnapshotType: 'manual',
      ...(key || source.KmsKeyId ? { KmsKeyId: key?.Arn ?? source.KmsKeyId } : {}),
      copiedFrom: { region: from.region, id: source.DBSnapshotIdentifier },
      ...this.timing(baseSeconds * COPY_SLOWDOWN),
    };
    r.dbSnapshots.set(id, copy);
    return this.created('rds', { DBSnapshot: this.dbSnapshotView(region, copy) });
  }

  // ---- Aurora ----------------------------------------------------------------------------------

  dbClusterArn(region: string, id: string): string {
    return `arn:${arnPartition(region)}:rds:${region}:${this.accountId}:cluster:${id}`;
  }

  dbClusterSnapshotArn(region: string, id: string): string {
    return `arn:${arnPartition(region)}:rds:${region}:${this.accountId}:cluster-snapshot:${id}`;
  }

  describeDBClusters(
    region: string,
    input: { DBClusterIdentifier?: string; Filters?: RdsFilter[]; MaxRecords?: number; Marker?: string },
  ) {
    this.gate('rds', 'DescribeDBClusters');
    const r = this.region(region);
    if (input.DBClusterIdentifier && !r.dbClusters.has(input.DBClusterIdentifier)) {
      throw new AwsApiError('DBClusterNotFoundFault', `DBCluster ${input.DBClusterIdentifier} not found.`, 404);
    }
    const selected = [...r.dbClusters.values()].filter(
      (c) =>
        (!input.DBClusterIdentifier || c.DBClusterIdentifier === input.DBClusterIdentifier) &&
        matchesRdsFilters(input.Filters, {
          'db-cluster-id': [c.DBClusterIdentifier, this.dbClusterArn(region, c.DBClusterIdentifier)],
          engine: [c.Engine],
        }),
    );
    const { page, next } = paginate(selected, input.MaxRecords, input.Marker, 100);
    return {
      DBClusters: page.map((c) => ({
        DBClusterIdentifier: c.DBClusterIdentifier,
        DBClusterArn: this.dbClusterArn(region, c.DBClusterIdentifier),
        Engine: c.Engine,
        Status: this.settled(c),
        AllocatedStorage: 1,
        StorageEncrypted: true,
        CopyTagsToSnapshot: c.CopyTagsToSnapshot ?? false,
        TagList: c.TagList,
        DBClusterMembers: c.memberIds.map((id, n) => ({ DBInstanceIdentifier: id, IsClusterWriter: n === 0 })),
      })),
      ...(next ? { Marker: next } : {}),
    };
  }

  private dbClusterSnapshotView(region: string, s: DbClusterSnapshotModel) {
    const { state, progress } = this.phase(s);
    return {
      DBClusterSnapshotIdentifier: s.DBClusterSnapshotIdentifier,
      DBClusterIdentifier: s.DBClusterIdentifier,
      DBClusterSnapshotArn: this.dbClusterSnapshotArn(region, s.DBClusterSnapshotIdentifier),
      SnapshotCreateTime: new Date(s.startMs),
      Engine: s.Engine,
      AllocatedStorage: s.volumeGiB,
      Status:
        state === 'pending' ? (s.copiedFrom ? 'copying' : 'creating') : state === 'completed' ? 'available' : 'failed',
      PercentProgress: progress,
      SnapshotType: s.SnapshotType,
      StorageEncrypted: true,
      ...(s.KmsKeyId ? { KmsKeyId: s.KmsKeyId } : {}),
      ...(s.copiedFrom
        ? { SourceDBClusterSnapshotArn: this.dbClusterSnapshotArn(s.copiedFrom.region, s.copiedFrom.id) }
        : {}),
      TagList: s.TagList,
    };
  }

  describeDBClusterSnapshots(
    region: string,
    input: {
      DBClusterSnapshotIdentifier?: string;
      DBClusterIdentifier?: string;
      SnapshotType?: string;
      MaxRecords?: number;
      Marker?: string;
    },
  ) {
    this.gate('rds', 'DescribeDBClusterSnapshots');
    const r = this.region(region);
    if (input.DBClusterSnapshotIdentifier && !r.dbClusterSnapshots.has(input.DBClusterSnapshotIdentifier)) {
      throw new AwsApiError(
        'DBClusterSnapshotNotFoundFault',
        `DBClusterSnapshot ${input.DBClusterSnapshotIdentifier} not found.`,
        404,
      );
    }
    const selected = [...r.dbClusterSnapshots.values()].filter(
      (s) =>
        (!input.DBClusterSnapshotIdentifier || s.DBClusterSnapshotIdentifier === input.DBClusterSnapshotIdentifier) &&
        (!input.DBClusterIdentifier || s.DBClusterIdentifier === input.DBClusterIdentifier) &&
        (!input.SnapshotType || s.SnapshotType === input.SnapshotType),
    );
    const { page, next } = paginate(selected, input.MaxRecords, input.Marker, 100);
    return {
      DBClusterSnapshots: page.map((s) => this.dbClusterSnapshotView(region, s)),
      ...(next ? { Marker: next } : {}),
    };
  }

  createDBClusterSnapshot(
    region: string,
    input: { DBClusterSnapshotIdentifier?: string; DBClusterIdentifier?: string; Tags?: Tag[] },
  ) {
    this.gate('rds', 'CreateDBClusterSnapshot');
    const r = this.region(region);
    const cluster = input.DBClusterIdentifier ? r.dbClusters.get(input.DBClusterIdentifier) : undefined;
    if (!cluster)
      throw new AwsApiError('DBClusterNotFoundFault', `DBCluster ${input.DBClusterIdentifier} not found.`, 404);
    const id = input.DBClusterSnapshotIdentifier ?? '';
    if (!/^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{0,254}$/.test(id) || id.endsWith('-')) {
      throw new AwsApiError('InvalidParameterValue', `Invalid snapshot identifier: ${id}`);
    }
    if (r.dbClusterSnapshots.has(id))
      throw new AwsApiError(
        'DBClusterSnapshotAlreadyExistsFault',
        `Cannot create the cluster snapshot because one with the identifier ${id} already exists.`,
      );
    const clusterStatus = this.settled(cluster);
    if (clusterStatus !== 'available' && clusterStatus !== 'storage-optimization')
      throw new AwsApiError(
        'InvalidDBClusterStateFault',
        `Cannot snapshot DB cluster ${cluster.DBClusterIdentifier}: its status is ${clusterStatus}.`,
      );
    const manual = [...r.dbClusterSnapshots.values()].filter((s) => s.SnapshotType === 'manual').length;
    if (manual >= this.limits.manualDbClusterSnapshotsPerRegion) {
      throw new AwsApiError(
        'SnapshotQuotaExceeded',
        `Cannot create more than ${this.limits.manualDbClusterSnapshotsPerRegion} manual cluster snapshots.`,
      );
    }
    const snapshot: DbClusterSnapshotModel = {
      DBClusterSnapshotIdentifier: id,
      DBClusterIdentifier: cluster.DBClusterIdentifier,
      Engine: cluster.Engine,
      volumeGiB: cluster.volumeGiB,
      TagList: input.Tags?.length ? input.Tags : cluster.CopyTagsToSnapshot ? [...cluster.TagList] : [],
      SnapshotType: 'manual',
      ...this.timing(cluster.snapshotSeconds),
    };
    r.dbClusterSnapshots.set(id, snapshot);
    return this.created('rds', { DBClusterSnapshot: this.dbClusterSnapshotView(region, snapshot) });
  }

  deleteDBClusterSnapshot(region: string, input: { DBClusterSnapshotIdentifier?: string }) {
    this.gate('rds', 'DeleteDBClusterSnapshot');
    const r = this.region(region);
    const s = input.DBClusterSnapshotIdentifier
      ? r.dbClusterSnapshots.get(input.DBClusterSnapshotIdentifier)
      : undefined;
    if (!s)
      throw new AwsApiError(
        'DBClusterSnapshotNotFoundFault',
        `DBClusterSnapshot ${input.DBClusterSnapshotIdentifier} not found.`,
        404,
      );
    if (this.phase(s).state === 'pending')
      throw new AwsApiError(
        'InvalidDBClusterSnapshotStateFault',
        `Cluster snapshot ${s.DBClusterSnapshotIdentifier} is being created.`,
      );
    r.dbClusterSnapshots.delete(s.DBClusterSnapshotIdentifier);
    return { DBClusterSnapshot: this.dbClusterSnapshotView(region, s) };
  }

  /** CopyDBClusterSnapshot, called in the destination region: as CopyDBSnapshot, for Aurora. */
  copyDBClusterSnapshot(
    region: string,
    input: {
      SourceDBClusterSnapshotIdentifier?: string;
      TargetDBClusterSnapshotIdentifier?: string;
      KmsKeyId?: string;
      SourceRegion?: string;
      Tags?: Tag[];
      CopyTags?: boolean;
      PreSignedUrl?: string;
    },
  ) {
    this.gate('rds', 'CopyDBClusterSnapshot');
    const from = this.rdsCopySource(
      region,
      input.SourceDBClusterSnapshotIdentifier,
      'cluster-snapshot',
      'SourceDBClusterSnapshotIdentifier',
    );
    const source =
      from.account === this.accountId ? this.region(from.region).dbClusterSnapshots.get(from.id) : undefined;
    if (!source)
      throw new AwsApiError(
        'DBClusterSnapshotNotFoundFault',
        `DBClusterSnapshot ${input.SourceDBClusterSnapshotIdentifier} not found.`,
        404,
      );
    const sourceState = this.phase(source).state;
    if (sourceState !== 'completed')
      throw new AwsApiError(
        'InvalidDBClusterSnapshotStateFault',
        `Cluster snapshot ${source.DBClusterSnapshotIdentifier} must be available to be copied; it is ${sourceState === 'pending' ? 'being created' : 'failed'}.`,
      );
    const r = this.region(region);
    const id = input.TargetDBClusterSnapshotIdentifier ?? '';
    if (!/^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{0,254}$/.test(id) || id.endsWith('-'))
      throw new AwsApiError('InvalidParameterValue', `Invalid snapshot identifier: ${id}`);
    if (r.dbClusterSnapshots.has(id))
      throw new AwsApiError(
        'DBClusterSnapshotAlreadyExistsFault',
        `Cannot create the cluster snapshot because one with the identifier ${id} already exists.`,
      );
    const manual = [...r.dbClusterSnapshots.values()].filter((s) => s.SnapshotType === 'manual').length;
    const key = this.assertCanCopyDb(
      region,
      input,
      from.region !== region,
      manual,
      this.limits.manualDbClusterSnapshotsPerRegion,
    );
    const cluster = this.region(from.region).dbClusters.get(source.DBClusterIdentifier);
    const baseSeconds = cluster?.snapshotSeconds ?? 90 + source.volumeGiB * 4;
    const copy: DbClusterSnapshotModel = {
      DBClusterSnapshotIdentifier: id,
      DBClusterIdentifier: source.DBClusterIdentifier,
      Engine: source.Engine,
      volumeGiB: source.volumeGiB,
      TagList: this.copyTags(source.TagList, input),
      SnapshotType: 'manual',
      ...(key || source.KmsKeyId ? { KmsKeyId: key?.Arn ?? source.KmsKeyId } : {}),
      copiedFrom: { region: from.region, id: source.DBClusterSnapshotIdentifier },
      ...this.timing(baseSeconds * COPY_SLOWDOWN),
    };
    r.dbClusterSnapshots.set(id, copy);
    return this.created('rds', { DBClusterSnapshot: this.dbClusterSnapshotView(region, copy) });
  }

  // ---- DynamoDB (control plane: tables of the fleet, on-demand backups, exports) --------------

  dynamoTableArn(region: string, name: string): string {
    return `arn:${arnPartition(region)}:dynamodb:${region}:${this.accountId}:table/${name}`;
  }

  private dynamoTable(region: string, name: string | undefined, code = 'ResourceNotFoundException') {
    const table = name ? this.region(region).dynamoTables.get(name) : undefined;
    if (!table) throw new AwsApiError(code, `Requested resource not found: Table: ${name} not found`);
    return table;
  }

  /** The table an ARN names, when it is this account's in this region: another account's is not found here. */
  private tableOfArn(region: string, arn: string | undefined, code = 'ResourceNotFoundException') {
    const match = /^arn:[^:]+:dynamodb:([^:]+):([^:]+):table\/([^/]+)$/.exec(arn ?? '');
    if (!match || match[1] !== region || match[2] !== this.accountId)
      throw new AwsApiError(code, `Requested resource not found: ResourceArn: ${arn} not found`);
    return this.dynamoTable(region, match[3], code);
  }

  listTables(region: string, input: { ExclusiveStartTableName?: string; Limit?: number }) {
    this.gate('dynamodb', 'ListTables');
    const names = [...this.region(region).dynamoTables.keys()].sort();
    const from = input.ExclusiveStartTableName ? names.findIndex((n) => n > (input.ExclusiveStartTableName ?? '')) : 0;
    const start = from < 0 ? names.length : from;
    const limit = Math.min(Math.max(input.Limit ?? 100, 1), 100);
    const page = names.slice(start, start + limit);
    const more = start + limit < names.length;
    return { TableNames: page, ...(more ? { LastEvaluatedTableName: page[page.length - 1] } : {}) };
  }

  describeTable(region: string, input: { TableName?: string }) {
    this.gate('dynamodb', 'DescribeTable');
    const table = this.dynamoTable(region, input.TableName);
    return {
      Table: {
        TableName: table.TableName,
        TableArn: this.dynamoTableArn(region, table.TableName),
        TableStatus: 'ACTIVE',
        TableSizeBytes: table.sizeBytes,
      },
    };
  }

  hasDynamoTable(region: string, name: unknown): boolean {
    return typeof name === 'string' && this.region(region).dynamoTables.has(name);
  }

  listTagsOfResource(region: string, input: { ResourceArn?: string; NextToken?: string }) {
    this.gate('dynamodb', 'ListTagsOfResource');
    const table = this.tableOfArn(region, input.ResourceArn);
    // Ten tags a page, as the real API pages them: callers must follow NextToken.
    const start = input.NextToken ? Number(input.NextToken) : 0;
    const page = table.Tags.slice(start, start + 10);
    return { Tags: page, ...(start + 10 < table.Tags.length ? { NextToken: String(start + 10) } : {}) };
  }

  private dynamoBackupStatus(b: DynamoBackupModel): 'CREATING' | 'AVAILABLE' | 'DELETED' {
    const { state } = this.phase(b);
    return state === 'pending' ? 'CREATING' : state === 'completed' ? 'AVAILABLE' : 'DELETED';
  }

  private dynamoBackupDetails(b: DynamoBackupModel) {
    return {
      BackupArn: b.BackupArn,
      BackupName: b.BackupName,
      BackupSizeBytes: b.sizeBytes,
      BackupStatus: this.dynamoBackupStatus(b),
      BackupType: 'USER',
      BackupCreationDateTime: new Date(b.startMs),
    };
  }

  createBackup(region: string, input: { TableName?: string; BackupName?: string }) {
    this.gate('dynamodb', 'CreateBackup');
    const table = this.dynamoTable(region, input.TableName, 'TableNotFoundException');
    const name = input.BackupName ?? '';
    if (!/^[a-zA-Z0-9_.-]{3,255}$/.test(name))
      throw new AwsApiError('ValidationException', `Invalid BackupName: ${name}`);
    const startMs = this.nowMs();
    const backup: DynamoBackupModel = {
      BackupArn: `${this.dynamoTableArn(region, table.TableName)}/backup/${startMs}-${this.nextId('b').slice(2, 10)}`,
      BackupName: name,
      TableName: table.TableName,
      sizeBytes: table.sizeBytes,
      ...this.timing(table.backupSeconds),
    };
    this.region(region).dynamoBackups.set(backup.BackupArn, backup);
    return this.created('dynamodb', { BackupDetails: this.dynamoBackupDetails(backup) });
  }

  private dynamoBackup(region: string, arn: string | undefined): DynamoBackupModel {
    const backup = arn ? this.region(region).dynamoBackups.get(arn) : undefined;
    if (!backup) throw new AwsApiError('BackupNotFoundException', `Backup not found: ${arn}`);
    return backup;
  }

  describeBackup(region: string, input: { BackupArn?: string }) {
    this.gate('dynamodb', 'DescribeBackup');
    const backup = this.dynamoBackup(region, input.BackupArn);
    return {
      BackupDescription: {
        BackupDetails: this.dynamoBackupDetails(backup),
        SourceTableDetails: {
          TableName: backup.TableName,
          TableArn: this.dynamoTableArn(region, backup.TableName),
          TableSizeBytes: backup.sizeBytes,
        },
      },
    };
  }

  listBackups(
    region: string,
    input: { TableName?: string; BackupType?: string; ExclusiveStartBackupArn?: string; Limit?: number },
  ) {
    this.gate('dynamodb', 'ListBackups');
    const all = [...this.region(region).dynamoBackups.values()]
      .filter((b) => !input.TableName || b.TableName === input.TableName)
      .sort((a, b) => a.BackupArn.localeCompare(b.BackupArn));
    const from = input.ExclusiveStartBackupArn
      ? all.findIndex((b) => b.BackupArn === input.ExclusiveStartBackupArn) + 1
      : 0;
    const limit = Math.min(Math.max(input.Limit ?? 100, 1), 100);
    const page = all.slice(from, from + limit);
    return {
      BackupSummaries: page.map((b) => ({
        TableName: b.TableName,
        TableArn: this.dynamoTableArn(region, b.TableName),
        ...this.dynamoBackupDetails(b),
      })),
      ...(from + limit < all.length ? { LastEvaluatedBackupArn: page[page.length - 1]?.BackupArn } : {}),
    };
  }

  deleteBackup(region: string, input: { BackupArn?: string }) {
    this.gate('dynamodb', 'DeleteBackup');
    const backup = this.dynamoBackup(region, input.BackupArn);
    if (this.dynamoBackupStatus(backup) === 'CREATING')
      throw new AwsApiError('BackupInUseException', `Backup ${backup.BackupArn} is being created.`);
    this.region(region).dynamoBackups.delete(backup.BackupArn);
    return { BackupDescription: { BackupDetails: { ...this.dynamoBackupDetails(backup), BackupStatus: 'DELETED' } } };
  }

  private dynamoExportDescription(region: string, e: DynamoExportModel) {
    const { state } = this.phase(e);
    return {
      ExportArn: e.ExportArn,
      ExportStatus: state === 'pending' ? 'IN_PROGRESS' : state === 'completed' ? 'COMPLETED' : 'FAILED',
      TableArn: this.dynamoTableArn(region, e.TableName),
      S3Bucket: e.S3Bucket,
      ...(e.S3Prefix ? { S3Prefix: e.S3Prefix } : {}),
      ExportFormat: e.ExportFormat,
      ...(e.ClientToken ? { ClientToken: e.ClientToken } : {}),
      StartTime: new Date(e.startMs),
      ...(state === 'error' ? { FailureCode: 'S3AccessDenied', FailureMessage: 'Export failed (injected fault)' } : {}),
      ...(state === 'completed' ? { EndTime: new Date(e.startMs + e.durationMs) } : {}),
    };
  }

  exportTableToPointInTime(
    region: string,
    input: { TableArn?: string; S3Bucket?: string; S3Prefix?: string; ExportFormat?: string; ClientToken?: string },
  ) {
    this.gate('dynamodb', 'ExportTableToPointInTime');
    const table = this.tableOfArn(region, input.TableArn, 'TableNotFoundException');
    if (!input.S3Bucket) throw new AwsApiError('ValidationException', 'S3Bucket is required');
    if (!this.s3Buckets.has(input.S3Bucket))
      throw new AwsApiError('ValidationException', `S3 bucket ${input.S3Bucket} does not exist`);
    const r = this.region(region);
    if (input.ClientToken) {
      // Idempotent per client token (AWS keeps it 8 hours): the same request returns the same export.
      const earlier = [...r.dynamoExports.values()].find((e) => e.ClientToken === input.ClientToken);
      if (earlier) {
        if (
          earlier.TableName !== table.TableName ||
          earlier.S3Bucket !== input.S3Bucket ||
          earlier.S3Prefix !== input.S3Prefix
        )
          throw new AwsApiError('ExportConflictException', `Export with client token ${input.ClientToken} differs`);
        return { ExportDescription: this.dynamoExportDescription(region, earlier) };
      }
    }
    if (!table.pitr)
      throw new AwsApiError(
        'PointInTimeRecoveryUnavailableException',
        `Point in time recovery is not enabled for table '${table.TableName}'`,
      );
    const running = [...r.dynamoExports.values()].filter((e) => this.phase(e).state === 'pending').length;
    if (running >= this.limits.concurrentExportsPerRegion)
      throw new AwsApiError(
        'LimitExceededException',
        `There are ${running} exports in progress; up to ${this.limits.concurrentExportsPerRegion} may run at once.`,
      );
    const startMs = this.nowMs();
    const exported: DynamoExportModel = {
      ExportArn: `${this.dynamoTableArn(region, table.TableName)}/export/${startMs}-${this.nextId('e').slice(2, 10)}`,
      TableName: table.TableName,
      S3Bucket: input.S3Bucket,
      ...(input.S3Prefix ? { S3Prefix: input.S3Prefix } : {}),
      ExportFormat: input.ExportFormat ?? 'DYNAMODB_JSON',
      ...(input.ClientToken ? { ClientToken: input.ClientToken } : {}),
      ...this.timing(table.exportSeconds),
    };
    r.dynamoExports.set(exported.ExportArn, exported);
    return { ExportDescription: this.dynamoExportDescription(region, exported) };
  }

  describeExport(region: string, input: { ExportArn?: string }) {
    this.gate('dynamodb', 'DescribeExport');
    const exported = input.ExportArn ? this.region(region).dynamoExports.get(input.ExportArn) : undefined;
    if (!exported) throw new AwsApiError('ExportNotFoundException', `Export not found: ${input.ExportArn}`);
    return { ExportDescription: this.dynamoExportDescription(region, exported) };
  }

  dynamoBackups(region: string) {
    return [...this.region(region).dynamoBackups.values()].map((b) => ({
      TableName: b.TableName,
      ...this.dynamoBackupDetails(b),
    }));
  }

  dynamoExports(region: string) {
    return [...this.region(region).dynamoExports.values()].map((e) => this.dynamoExportDescription(region, e));
  }

  // ---- SNS -------------------------------------------------------------------------------------

  /** Idempotent, as in AWS: creating a topic that exists returns its ARN. */
  createTopic(region: string, input: { Name?: string }) {
    const name = input.Name ?? '';
    if (!/^[A-Za-z0-9_-]{1,256}$/.test(name.replace(/\.fifo$/, '')))
      throw new AwsApiError('InvalidParameter', 'Invalid parameter: Topic Name');
    const arn = `arn:${arnPartition(region)}:sns:${region}:${this.accountId}:${name}`;
    this.topics.add(arn);
    return { TopicArn: arn };
  }

  publish(
    _region: string,
    input: {
      TopicArn?: string;
      Subject?: string;
      Message?: string;
      MessageAttributes?: Record<string, { DataType?: string; StringValue?: string; BinaryValue?: Uint8Array }>;
    },
  ) {
    this.gate('sns', 'Publish');
    if (!input.TopicArn) throw new AwsApiError('InvalidParameter', 'TopicArn is required');
    if (!this.topics.has(input.TopicArn)) throw new AwsApiError('NotFound', 'Topic does not exist', 404);
    if (publishSize(input) > SNS_MAX_MESSAGE_BYTES) {
      throw new AwsApiError('InvalidParameter', 'Invalid parameter: Message too long');
    }
    if (input.Subject && (input.Subject.length > 100 || /[^\x20-\x7e]/.test(input.Subject))) {
      throw new AwsApiError('InvalidParameter', 'Subject must be ASCII without line breaks, at most 100 characters');
    }
    this.sns.push({
      TopicArn: input.TopicArn,
      ...(input.Subject ? { Subject: input.Subject } : {}),
      Message: input.Message ?? '',
      at: this.clock.now().toISOString(),
    });
    return { MessageId: `msg-${this.sns.length}` };
  }

  // ---- STS and S3 (what a run needs at the endpoint: who it is, and the exports' bucket) -------

  getCallerIdentity() {
    return {
      UserId: 'AIDALOCALSANDBOXUSER',
      Account: this.accountId,
      Arn: `arn:aws:iam::${this.accountId}:user/local`,
    };
  }

  /** S3 CreateBucket: the name is global; creating one's own bucket again is BucketAlreadyOwnedByYou. */
  createBucket(region: string, name: string) {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name))
      throw new AwsApiError('InvalidBucketName', 'The specified bucket is not valid.', 400);
    if (this.s3Buckets.has(name))
      throw new AwsApiError(
        'BucketAlreadyOwnedByYou',
        'Your previous request to create the named bucket succeeded and you already own it.',
        409,
      );
    this.s3Buckets.set(name, { region, createdAt: this.clock.now().toISOString() });
    return { Location: `/${name}` };
  }

  // ---- EventBridge ---------------------------------------------------------------------------

  putEvents(
    _region: string,
    input: {
      Entries?: {
        EventBusName?: string;
        Source?: string;
        DetailType?: string;
        Detail?: string;
        Resources?: string[];
      }[];
    },
  ) {
    this.gate('events', 'PutEvents');
    const entries = input.Entries ?? [];
    if (entries.length === 0 || entries.length > 10)
      throw new AwsApiError('ValidationException', 'Entries must hold 1 to 10 events');
    const results = entries.map((entry) => {
      let detail: unknown;
      try {
        detail = JSON.parse(entry.Detail ?? '');
      } catch {
        return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is not valid JSON' };
      }
      if (!entry.Source || !entry.DetailType)
        return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Source and DetailType are required' };
      if (Buffer.byteLength(entry.Detail ?? '') > 256 * 1024)
        return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Event is larger than 256 KB' };
      this.events.push({
        EventBusName: entry.EventBusName ?? 'default',
        Source: entry.Source,
        DetailType: entry.DetailType,
        Detail: detail,
        Resources: entry.Resources ?? [],
        at: this.clock.now().toISOString(),
      });
      return { EventId: `evt-${this.events.length}` };
    });
    return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
  }

  // ---- inspection helpers for tests, the runner's report and the bench ------------------------

  snapshots(region: string) {
    return [...this.region(region).snapshots.values()].map((s) => this.snapshotView(s));
  }

  dbSnapshots(region: string) {
    return [...this.region(region).dbSnapshots.values()].map((s) => this.dbSnapshotView(region, s));
  }

  /** Images as DescribeImages shows them, with what CreateImage recorded (NoReboot, reboot). */
  images(region: string) {
    const r = this.region(region);
    return [...r.images.values()].map((i) => ({
      ...this.imageView(r, i),
      noReboot: i.noReboot,
      rebooted: i.rebooted ?? false,
    }));
  }

  dbClusterSnapshots(region: string) {
    return [...this.region(region).dbClusterSnapshots.values()].map((s) => this.dbClusterSnapshotView(region, s));
  }

  /** Copies in a destination region, per service, with where each came from (tests, the report). */
  snapshotCopies(region: string) {
    return [...this.region(region).snapshots.values()]
      .filter((s) => s.copiedFrom)
      .map((s) => ({ ...this.snapshotView(s), copiedFrom: { ...(s.copiedFrom as CopySource) } }));
  }

  dbSnapshotCopies(region: string) {
    return [...this.region(region).dbSnapshots.values()]
      .filter((s) => s.copiedFrom)
      .map((s) => ({ ...this.dbSnapshotView(region, s), copiedFrom: { ...(s.copiedFrom as CopySource) } }));
  }

  dbClusterSnapshotCopies(region: string) {
    return [...this.region(region).dbClusterSnapshots.values()]
      .filter((s) => s.copiedFrom)
      .map((s) => ({ ...this.dbClusterSnapshotView(region, s), copiedFrom: { ...(s.copiedFrom as CopySource) } }));
  }

  /** When a backup finished (or failed) in model time: the bench's detection latency needs it. */
  finishedAtMs(region: string, id: string): number | undefined {
    const r = this.region(region);
    const image = r.images.get(id);
    // An image is done when its last snapshot is.
    if (image)
      return Math.max(image.creationMs ?? 0, ...image.snapshotIds.map((s) => this.finishedAtMs(region, s) ?? 0));
    const t: Timed | undefined =
      r.snapshots.get(id) ??
      r.dbSnapshots.get(id) ??
      r.dbClusterSnapshots.get(id) ??
      r.dynamoBackups.get(id) ??
      r.dynamoExports.get(id);
    if (!t) return undefined;
    return t.startMs + t.durationMs * (t.failAt ?? 1);
  }

  durationMs(region: string, id: string): number | undefined {
    const r = this.region(region);
    return (r.snapshots.get(id) ?? r.dbSnapshots.get(id) ?? r.dbClusterSnapshots.get(id))?.durationMs;
  }
}
