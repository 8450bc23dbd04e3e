/**
 * RDS: DB instances, their manual snapshots (CreateDBSnapshot, DeleteDBSnapshot) and copies
 * (CopyDBSnapshot). Owns the RDS per-region state, Aurora clusters included (a cluster's members are DB
 * instances); the Aurora operations are in rds-aurora.ts, restores in rds-restore.ts and rds-aurora-restore.ts,
 * subnet groups in rds-subnet-groups.ts, all over the same store. A copy asks KMS for its destination key.
 */

import { type AuthorizationContext, type AuthorizationLookup, tagValues } from './authorization';
import {
  AwsApiError,
  arnPartition,
  COPY_SLOWDOWN,
  type CopySource,
  copiesWithSource,
  finishedAt,
  type ModelCore,
  RegionalBackend,
  RegionStore,
  type Tag,
  type Timed,
} from './core';
import type { EstateSeeding } from './estate-seeds';
import type { KmsBackend, KmsKeyModel } from './kms';
import { settle, settleAll } from './lifecycle';
import { matchesRdsFilters, paginate, type RdsFilter } from './query';
import { RDS_ESTATE_SEEDS, type RdsSeedOps } from './rds-estates';
import {
  copyOptionGroup,
  defaultOptionGroup,
  defaultParameterGroup,
  emptyRdsGroups,
  ensureRdsGroups,
  RDS_API,
  type RdsGroupsModel,
} from './rds-groups';
import {
  type DbSubnetGroupModel,
  dbSubnetGroupView,
  defaultSecurityGroupId,
  ensureDbSubnetGroup,
  makeDbSubnetGroup,
  vpcSecurityGroupsView,
} from './rds-subnet-groups';

export type { DbClusterModel, DbClusterSnapshotModel, DbInstanceModel, DbSnapshotModel, RdsStatus } from './rds-state';

import type { DbClusterModel, DbClusterSnapshotModel, DbInstanceModel, DbSnapshotModel, RdsStatus } from './rds-state';
import { defineModelService } from './registry';

/**
 * A new DB or cluster snapshot's identifier (a create or a copy's target): RDS's rule (a letter first,
 * letters, digits and single hyphens), then unused in the region, else `code` with `message`.
 */
export function assertNewSnapshotId(id: string, taken: ReadonlyMap<string, unknown>, code: string, message: string) {
  if (!/^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{0,254}$/.test(id) || id.endsWith('-'))
    throw new AwsApiError('InvalidParameterValue', `Invalid snapshot identifier: ${id}`);
  if (taken.has(id)) throw new AwsApiError(code, message);
}

/** A snapshot's encryption, as its instance's storage has it (StorageEncrypted absent: encrypted, RDS's default). */
export function encryptionOf(db: Pick<DbInstanceModel, 'StorageEncrypted' | 'KmsKeyId'>) {
  const encrypted = db.StorageEncrypted ?? true;
  return { Encrypted: encrypted, ...(encrypted && db.KmsKeyId ? { KmsKeyId: db.KmsKeyId } : {}) };
}

/** RDS's per-region state: DB instances and clusters, and their snapshots. */
export interface RdsRegionState {
  dbInstances: Map<string, DbInstanceModel>;
  dbSnapshots: Map<string, DbSnapshotModel>;
  dbClusters: Map<string, DbClusterModel>;
  dbClusterSnapshots: Map<string, DbClusterSnapshotModel>;
  /** DB subnet groups by name (rds-subnet-groups.ts): every region starts with `default`. */
  dbSubnetGroups: Map<string, DbSubnetGroupModel>;
  /** Parameter, cluster parameter and option groups (rds-groups.ts), beside the engines' defaults. */
  groups: RdsGroupsModel;
}

/** RDS's limits with AWS's defaults (the model's options may override each). */
export const RDS_LIMITS = {
  manualDbSnapshotsPerRegion: 100,
  manualDbClusterSnapshotsPerRegion: 100,
  /** Cross-region DB and cluster snapshot copies in progress into one region; EBS has its own 20 (ec2.ts). */
  concurrentCopiesPerRegion: 20,
};

export class RdsBackend
  extends RegionalBackend<RdsRegionState>
  implements EstateSeeding<RdsSeedOps>, AuthorizationLookup
{
  private readonly limits = this.core.limitsOf(RDS_LIMITS);
  /** What it seeds into the sandbox's estates (./estate-seeds.ts). */
  readonly estateSeeds = RDS_ESTATE_SEEDS;
  constructor(
    core: ModelCore,
    private readonly kms: KmsBackend,
  ) {
    super(
      core,
      new RegionStore((region) => ({
        dbInstances: new Map(),
        dbSnapshots: new Map(),
        dbClusters: new Map(),
        dbClusterSnapshots: new Map(),
        dbSubnetGroups: new Map([['default', makeDbSubnetGroup(region, 'default')]]),
        groups: emptyRdsGroups(),
      })),
    );
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
      DBSubnetGroupName: 'default',
      VpcSecurityGroupIds: [defaultSecurityGroupId(region)],
      ...d,
    };
    ensureDbSubnetGroup(this.region(region), region, db.DBSubnetGroupName ?? 'default');
    ensureRdsGroups(this.region(region), db);
    this.region(region).dbInstances.set(db.DBInstanceIdentifier, db);
    return db;
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

  dbInstanceArn(region: string, id: string): string {
    return `arn:${arnPartition(region)}:rds:${region}:${this.accountId}:db:${id}`;
  }

  dbSnapshotArn(region: string, id: string): string {
    return `arn:${arnPartition(region)}:rds:${region}:${this.accountId}:snapshot:${id}`;
  }

  /** A status that lasts until `statusUntilMs` (a modification, a reboot) reads `available` afterwards. */
  settled(resource: { status: RdsStatus; statusUntilMs?: number }): RdsStatus {
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
    this.gate(RDS_API, 'DescribeDBInstances');
    const r = this.region(region);
    if (input.DBInstanceIdentifier) settle(r.dbInstances, input.DBInstanceIdentifier, this.nowMs(), 'status');
    else settleAll(r.dbInstances, this.nowMs(), 'status');
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
    return { DBInstances: page.map((d) => this.dbInstanceView(region, d)), ...(next ? { Marker: next } : {}) };
  }

  /** A DB instance as DescribeDBInstances (and the restore operations' answers) show it. */
  dbInstanceView(region: string, d: DbInstanceModel) {
    const group = d.DBSubnetGroupName ? this.region(region).dbSubnetGroups.get(d.DBSubnetGroupName) : undefined;
    return {
      DBInstanceIdentifier: d.DBInstanceIdentifier,
      DBInstanceArn: this.dbInstanceArn(region, d.DBInstanceIdentifier),
      DBInstanceClass: d.DBInstanceClass,
      Engine: d.Engine,
      DBInstanceStatus: this.dbStatus(region, d),
      AllocatedStorage: d.AllocatedStorage,
      StorageEncrypted: d.StorageEncrypted ?? true,
      ...(d.KmsKeyId ? { KmsKeyId: d.KmsKeyId } : {}),
      CopyTagsToSnapshot: d.CopyTagsToSnapshot ?? false,
      MultiAZ: d.MultiAZ ?? false,
      PubliclyAccessible: d.PubliclyAccessible ?? false,
      AvailabilityZone: d.AvailabilityZone ?? `${region}a`,
      ...(group ? { DBSubnetGroup: dbSubnetGroupView(region, this.accountId, group) } : {}),
      VpcSecurityGroups: vpcSecurityGroupsView(d.VpcSecurityGroupIds),
      DBParameterGroups: [
        {
          DBParameterGroupName: d.DBParameterGroupName ?? defaultParameterGroup(d.Engine),
          ParameterApplyStatus: 'in-sync',
        },
      ],
      OptionGroupMemberships: [
        { OptionGroupName: d.OptionGroupName ?? defaultOptionGroup(d.Engine), Status: 'in-sync' },
      ],
      TagList: d.TagList,
      ...(d.DBClusterIdentifier ? { DBClusterIdentifier: d.DBClusterIdentifier } : {}),
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
      Encrypted: s.Encrypted ?? true,
      ...(s.KmsKeyId ? { KmsKeyId: s.KmsKeyId } : {}),
      OptionGroupName: s.OptionGroupName ?? defaultOptionGroup(s.Engine),
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
    this.gate(RDS_API, 'DescribeDBSnapshots');
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
    this.gate(RDS_API, 'CreateDBSnapshot');
    const r = this.region(region);
    const db = input.DBInstanceIdentifier ? r.dbInstances.get(input.DBInstanceIdentifier) : undefined;
    if (!db) throw new AwsApiError('DBInstanceNotFound', `DBInstance ${input.DBInstanceIdentifier} not found.`, 404);
    const id = input.DBSnapshotIdentifier ?? '';
    assertNewSnapshotId(
      id,
      r.dbSnapshots,
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
      // A snapshot is encrypted as its instance's storage is, under the same key, in its option group.
      ...encryptionOf(db),
      ...(db.OptionGroupName ? { OptionGroupName: db.OptionGroupName } : {}),
      ...this.timing(db.snapshotSeconds),
    };
    r.dbSnapshots.set(id, snapshot);
    return this.created(RDS_API, { DBSnapshot: this.dbSnapshotView(region, snapshot) });
  }

  deleteDBSnapshot(region: string, input: { DBSnapshotIdentifier?: string }) {
    this.gate(RDS_API, 'DeleteDBSnapshot');
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
  rdsCopySource(
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
   * Cross-region DB and cluster snapshot copies still copying into a destination region: RDS counts copies
   * "from one AWS Region to another", so a same-region copy is not one of them.
   */
  copiesInProgress(region: string): number {
    const r = this.region(region);
    const inProgress = (t: Timed & { copiedFrom?: CopySource }) =>
      t.copiedFrom !== undefined && t.copiedFrom.region !== region && this.phase(t).state === 'pending';
    return (
      [...r.dbSnapshots.values()].filter(inProgress).length +
      [...r.dbClusterSnapshots.values()].filter(inProgress).length
    );
  }

  /**
   * The checks CopyDBSnapshot and CopyDBClusterSnapshot share, after the source and target are known:
   * a cross-region copy of an encrypted snapshot (every model snapshot is) needs a KmsKeyId; the key
   * must exist in the destination; at most `concurrentCopiesPerRegion` cross-region copies may be in
   * progress into the destination (RDS answers SnapshotQuotaExceeded, "Cannot copy more than N
   * snapshots across regions"); and the manual snapshots quota counts copies too.
   */
  assertCanCopyDb(
    region: string,
    input: { KmsKeyId?: string },
    crossRegion: boolean,
    manual: number,
    manualLimit: number,
    encrypted = true,
  ): KmsKeyModel | undefined {
    if (crossRegion && encrypted && !input.KmsKeyId)
      throw new AwsApiError(
        'InvalidParameterValue',
        'Must specify new KMS key for cross region encrypted snapshot copy.',
      );
    const key = input.KmsKeyId ? this.kms.findKmsKey(region, input.KmsKeyId) : undefined;
    // RDS encrypts the copy with the key on the caller's behalf: it must exist there, be enabled and be theirs to use.
    if (input.KmsKeyId) this.assertKeyUsable(region, input.KmsKeyId, 'target ');
    const limit = this.limits.concurrentCopiesPerRegion;
    if (crossRegion && this.copiesInProgress(region) >= limit)
      throw new AwsApiError('SnapshotQuotaExceeded', `Cannot copy more than ${limit} snapshots across regions`);
    if (manual >= manualLimit)
      throw new AwsApiError('SnapshotQuotaExceeded', `Cannot create more than ${manualLimit} manual snapshots`);
    return key;
  }

  /**
   * RDS uses a key on the caller's behalf (a restore of an encrypted snapshot, a member of an encrypted
   * cluster, a copy): refused with KMSKeyNotAccessibleFault when the key is missing in the region,
   * disabled, or not the caller's to use. `keyId` absent: the region's aws/rds key.
   */
  assertKeyUsable(region: string, keyId: string | undefined, which = ''): void {
    const refusal = this.kms.keyUseRefusal(region, keyId ?? 'alias/aws/rds', 'rds');
    if (refusal)
      throw new AwsApiError(
        'KMSKeyNotAccessibleFault',
        `The ${which}KMS key [${keyId ?? 'alias/aws/rds'}] does not exist, is not enabled or you do not have permissions to access it. (${refusal.message})`,
      );
  }

  /** Tags of a copy: the source's when CopyTags (the explicit Tags win on a clash), then the explicit ones. */
  copyTags(sourceTags: Tag[], input: { Tags?: Tag[]; CopyTags?: boolean }): Tag[] {
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
      OptionGroupName?: string;
    },
  ) {
    this.gate(RDS_API, 'CopyDBSnapshot');
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
    assertNewSnapshotId(
      id,
      r.dbSnapshots,
      'DBSnapshotAlreadyExists',
      `Cannot create the snapshot because a snapshot with the identifier ${id} already exists.`,
    );
    const manual = [...r.dbSnapshots.values()].filter((s) => s.SnapshotType === 'manual').length;
    const sourceEncrypted = source.Encrypted ?? true;
    // RDS decrypts the source with its key, in the source's region, for the caller.
    if (sourceEncrypted) this.assertKeyUsable(from.region, source.KmsKeyId, 'source ');
    const key = this.assertCanCopyDb(
      region,
      input,
      from.region !== region,
      manual,
      this.limits.manualDbSnapshotsPerRegion,
      sourceEncrypted,
    );
    const optionGroup = copyOptionGroup(r, source, input.OptionGroupName, from.region !== region);
    const db = this.region(from.region).dbInstances.get(source.DBInstanceIdentifier);
    const baseSeconds = db?.snapshotSeconds ?? 120 + source.AllocatedStorage * 8;
    const copy: DbSnapshotModel = {
      DBSnapshotIdentifier: id,
      DBInstanceIdentifier: source.DBInstanceIdentifier,
      Engine: source.Engine,
      AllocatedStorage: source.AllocatedStorage,
      TagList: this.copyTags(source.TagList, input),
      SnapshotType: 'manual',
      // A KmsKeyId encrypts the copy, an unencrypted source's too ("If you specify this parameter when you
      // copy an unencrypted snapshot, the copy is encrypted": CopyDBSnapshot).
      Encrypted: sourceEncrypted || key !== undefined,
      ...(key || source.KmsKeyId ? { KmsKeyId: key?.Arn ?? source.KmsKeyId } : {}),
      ...(optionGroup ? { OptionGroupName: optionGroup } : {}),
      copiedFrom: { region: from.region, id: source.DBSnapshotIdentifier },
      ...this.timing(baseSeconds * COPY_SLOWDOWN),
    };
    r.dbSnapshots.set(id, copy);
    return this.created(RDS_API, { DBSnapshot: this.dbSnapshotView(region, copy) });
  }

  /**
   * DescribeAccountAttributes: the region's quotas with their use (AccountQuotaName, Used, Max). The manual
   * snapshot counts are the ones CreateDB(Cluster)Snapshot and the copies are refused on: every manual
   * snapshot until deleted, failed ones too (strict: AWS's usage metrics say the count "excludes invalid
   * snapshots" without saying which; a failed one stays listed and billed).
   */
  describeRdsAccountAttributes(region: string) {
    this.gate(RDS_API, 'DescribeAccountAttributes');
    const r = this.region(region);
    const manual = (items: Iterable<{ SnapshotType?: string }>) =>
      [...items].filter((s) => s.SnapshotType === 'manual').length;
    return {
      AccountQuotas: [
        {
          AccountQuotaName: 'ManualSnapshots',
          Used: manual(r.dbSnapshots.values()),
          Max: this.limits.manualDbSnapshotsPerRegion,
        },
        {
          AccountQuotaName: 'ManualClusterSnapshots',
          Used: manual(r.dbClusterSnapshots.values()),
          Max: this.limits.manualDbClusterSnapshotsPerRegion,
        },
      ],
    };
  }

  dbSnapshots(region: string) {
    return [...this.region(region).dbSnapshots.values()].map((s) => this.dbSnapshotView(region, s));
  }

  dbSnapshotCopies(region: string) {
    return copiesWithSource(this.region(region).dbSnapshots.values(), (s) => this.dbSnapshotView(region, s));
  }

  /**
   * What IAM sees of the DB snapshot or DB instance an RDS call names (./authorization.ts): its tags
   * (TagList), on which the retention and clean-up grants' tag conditions (rds:...-tag) are evaluated.
   */
  authorizationContext(
    region: string,
    action: string,
    input: Readonly<Record<string, unknown>>,
  ): AuthorizationContext | undefined {
    const r = this.region(region);
    const tagsOf = (map: ReadonlyMap<string, { TagList?: { Key?: string; Value?: string }[] }>, id: unknown) =>
      ({ resourceTags: tagValues(map.get(String(id))?.TagList) }) satisfies AuthorizationContext;
    switch (action) {
      case 'rds:DeleteDBSnapshot':
        return tagsOf(r.dbSnapshots, input.DBSnapshotIdentifier);
      case 'rds:DeleteDBInstance':
        return tagsOf(r.dbInstances, input.DBInstanceIdentifier);
      default:
        return undefined;
    }
  }
}

export const rdsModel = defineModelService({
  name: 'rds',
  needs: ['kms'],
  build: (core, { kms }: { kms: KmsBackend }) => new RdsBackend(core, kms),
  operations: [
    'addDbInstance',
    'addExistingDbSnapshot',
    'dbInstanceArn',
    'dbSnapshotArn',
    'describeDBInstances',
    'describeDBSnapshots',
    'createDBSnapshot',
    'deleteDBSnapshot',
    'copyDBSnapshot',
    'dbSnapshots',
    'dbSnapshotCopies',
    'describeRdsAccountAttributes',
  ],
  limits: RDS_LIMITS,
  hooks: {
    finishedAtMs: (rds, region, id) => {
      const snapshot = rds.region(region).dbSnapshots.get(id);
      return snapshot && finishedAt(snapshot);
    },
    durationMs: (rds, region, id) => rds.region(region).dbSnapshots.get(id)?.durationMs,
    copiesInProgress: (rds, region) => rds.copiesInProgress(region),
  },
});
