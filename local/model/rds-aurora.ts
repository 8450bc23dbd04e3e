/**
 * RDS Aurora: DB clusters (their members are RDS DB instances), cluster snapshots and their copies. Shares
 * the RDS backend's region store and its copy checks (source ARN, KMS key, cross-region copy quota).
 * DocumentDB and Neptune clusters are the same clusters of engine `docdb` / `neptune` (one RDS API
 * answers all three); what differs by engine is in CLUSTER_ENGINE_RULES.
 */
import { type AuthorizationContext, type AuthorizationLookup, tagValues } from './authorization';
import {
  AwsApiError,
  arnPartition,
  COPY_SLOWDOWN,
  copiesWithSource,
  finishedAt,
  type ModelCore,
  RegionalBackend,
  type Tag,
} from './core';
import { settle, settleAll } from './lifecycle';
import { matchesRdsFilters, paginate, type RdsFilter } from './query';
import {
  assertNewSnapshotId,
  type DbClusterModel,
  type DbClusterSnapshotModel,
  encryptionOf,
  RDS_LIMITS,
  type RdsBackend,
  type RdsRegionState,
} from './rds';
import { defaultParameterGroup, ensureRdsGroups, RDS_API } from './rds-groups';
import { defaultSecurityGroupId, ensureDbSubnetGroup, vpcSecurityGroupsView } from './rds-subnet-groups';
import { defineModelService } from './registry';

/** What a cluster engine other than Aurora allows that Aurora's does not (or the other way round). */
export interface ClusterEngineRule {
  /**
   * The DB instance classes a member may be (CreateDBInstance in a cluster of the engine); others are
   * refused InvalidParameterCombination, as RDS refuses a class an engine does not offer.
   */
  readonly instanceClasses: RegExp;
  /** The class a seeded member gets. */
  readonly memberClass: string;
  /** Cross-region cluster snapshot copies in progress into one region (RDS's 20 when absent). */
  readonly concurrentCopiesPerRegion?: number;
}

/**
 * By engine. DocumentDB: "Supported instance types" (Amazon DocumentDB quotas and limits: R6GD, R6G, R5,
 * R4, T4G and T3 medium; serverless left out, strict). Neptune: "Neptune DB instance classes" (R5, R5D,
 * R6G, R6I, X2G, T3/T4G medium, db.serverless), and "You can have up to five snapshot copy requests in
 * progress to a single Region per account" (Neptune User Guide, Copying a DB Cluster Snapshot).
 * Neither takes PubliclyAccessible (their CreateDBInstance offers none; both live in a VPC only).
 */
export const CLUSTER_ENGINE_RULES: Readonly<Record<string, ClusterEngineRule>> = {
  docdb: {
    instanceClasses: /^db\.(r6gd\.(\d+)?xlarge|(r6g|r5|r4)\.(large|(\d+)?xlarge)|(t3|t4g)\.medium)$/,
    memberClass: 'db.r6g.large',
  },
  neptune: {
    instanceClasses: /^db\.((r5|r5d|r6g|r6i|x2g)\.(large|(\d+)?xlarge)|(t3|t4g)\.medium|serverless)$/,
    memberClass: 'db.r6g.large',
    concurrentCopiesPerRegion: 5,
  },
};

/** A cluster snapshot identifier must follow RDS's rule and be new in the region (create and copy alike). */
function assertNewClusterSnapshotId(id: string, taken: ReadonlyMap<string, unknown>): void {
  assertNewSnapshotId(
    id,
    taken,
    'DBClusterSnapshotAlreadyExistsFault',
    `Cannot create the cluster snapshot because one with the identifier ${id} already exists.`,
  );
}

export class AuroraBackend extends RegionalBackend<RdsRegionState> implements AuthorizationLookup {
  private readonly limits = this.core.limitsOf(RDS_LIMITS);

  constructor(
    core: ModelCore,
    private readonly rds: RdsBackend,
  ) {
    super(core, rds.store);
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
      DBSubnetGroupName: 'default',
      VpcSecurityGroupIds: [defaultSecurityGroupId(region)],
      ...rest,
      memberIds: [],
    };
    ensureDbSubnetGroup(this.region(region), region, cluster.DBSubnetGroupName ?? 'default');
    ensureRdsGroups(this.region(region), cluster);
    for (let n = 1; n <= members; n++) {
      const id = `${cluster.DBClusterIdentifier}-instance-${n}`;
      this.rds.addDbInstance(region, {
        DBInstanceIdentifier: id,
        Engine: cluster.Engine,
        ...(CLUSTER_ENGINE_RULES[cluster.Engine]
          ? { DBInstanceClass: CLUSTER_ENGINE_RULES[cluster.Engine]?.memberClass }
          : {}),
        AllocatedStorage: 1,
        DBClusterIdentifier: cluster.DBClusterIdentifier,
        TagList: memberTags,
        // A member's storage is the cluster's: encrypted (and keyed) as it is.
        StorageEncrypted: cluster.StorageEncrypted ?? true,
        ...(cluster.KmsKeyId ? { KmsKeyId: cluster.KmsKeyId } : {}),
        ...(cluster.DBSubnetGroupName ? { DBSubnetGroupName: cluster.DBSubnetGroupName } : {}),
        ...(cluster.VpcSecurityGroupIds ? { VpcSecurityGroupIds: cluster.VpcSecurityGroupIds } : {}),
      });
      cluster.memberIds.push(id);
    }
    this.region(region).dbClusters.set(cluster.DBClusterIdentifier, cluster);
    return cluster;
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
    this.gate(RDS_API, 'DescribeDBClusters');
    const r = this.region(region);
    if (input.DBClusterIdentifier) settle(r.dbClusters, input.DBClusterIdentifier, this.nowMs(), 'status');
    else settleAll(r.dbClusters, this.nowMs(), 'status');
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
    return { DBClusters: page.map((c) => this.dbClusterView(region, c)), ...(next ? { Marker: next } : {}) };
  }

  /** A cluster as DescribeDBClusters (and the restore operations' answers) show it; the first live member writes. */
  dbClusterView(region: string, c: DbClusterModel) {
    const r = this.region(region);
    const members = c.memberIds.filter((id) => settle(r.dbInstances, id, this.nowMs(), 'status') !== undefined);
    return {
      DBClusterIdentifier: c.DBClusterIdentifier,
      DBClusterArn: this.dbClusterArn(region, c.DBClusterIdentifier),
      Engine: c.Engine,
      Status: this.rds.settled(c),
      AllocatedStorage: 1,
      StorageEncrypted: c.StorageEncrypted ?? true,
      ...(c.KmsKeyId ? { KmsKeyId: c.KmsKeyId } : {}),
      CopyTagsToSnapshot: c.CopyTagsToSnapshot ?? false,
      ...(c.DBSubnetGroupName ? { DBSubnetGroup: c.DBSubnetGroupName } : {}),
      VpcSecurityGroups: vpcSecurityGroupsView(c.VpcSecurityGroupIds),
      DBClusterParameterGroup: c.DBClusterParameterGroupName ?? defaultParameterGroup(c.Engine),
      TagList: c.TagList,
      DBClusterMembers: members.map((id, n) => ({ DBInstanceIdentifier: id, IsClusterWriter: n === 0 })),
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
      StorageEncrypted: s.Encrypted ?? true,
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
    this.gate(RDS_API, 'DescribeDBClusterSnapshots');
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
    this.gate(RDS_API, 'CreateDBClusterSnapshot');
    const r = this.region(region);
    const cluster = input.DBClusterIdentifier ? r.dbClusters.get(input.DBClusterIdentifier) : undefined;
    if (!cluster)
      throw new AwsApiError('DBClusterNotFoundFault', `DBCluster ${input.DBClusterIdentifier} not found.`, 404);
    const id = input.DBClusterSnapshotIdentifier ?? '';
    assertNewClusterSnapshotId(id, r.dbClusterSnapshots);
    const clusterStatus = this.rds.settled(cluster);
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
      // Encrypted as the cluster's storage is, under its key.
      ...encryptionOf(cluster),
      ...this.timing(cluster.snapshotSeconds),
    };
    r.dbClusterSnapshots.set(id, snapshot);
    return this.created(RDS_API, { DBClusterSnapshot: this.dbClusterSnapshotView(region, snapshot) });
  }

  deleteDBClusterSnapshot(region: string, input: { DBClusterSnapshotIdentifier?: string }) {
    this.gate(RDS_API, 'DeleteDBClusterSnapshot');
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
    this.gate(RDS_API, 'CopyDBClusterSnapshot');
    const from = this.rds.rdsCopySource(
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
    assertNewClusterSnapshotId(id, r.dbClusterSnapshots);
    const manual = [...r.dbClusterSnapshots.values()].filter((s) => s.SnapshotType === 'manual').length;
    const sourceEncrypted = source.Encrypted ?? true;
    // "You can't encrypt an unencrypted DB cluster snapshot when you copy it" (CopyDBClusterSnapshot).
    if (!sourceEncrypted && input.KmsKeyId)
      throw new AwsApiError(
        'InvalidParameterCombination',
        `Cluster snapshot ${source.DBClusterSnapshotIdentifier} is not encrypted: a KmsKeyId cannot be given to copy it.`,
      );
    // RDS decrypts the source with its key, in the source's region, for the caller.
    if (sourceEncrypted) this.rds.assertKeyUsable(from.region, source.KmsKeyId, 'source ');
    const key = this.rds.assertCanCopyDb(
      region,
      input,
      from.region !== region,
      manual,
      this.limits.manualDbClusterSnapshotsPerRegion,
      sourceEncrypted,
    );
    // Neptune's own limit on copies in progress into a region, below RDS's 20.
    const engineLimit = CLUSTER_ENGINE_RULES[source.Engine]?.concurrentCopiesPerRegion;
    if (engineLimit !== undefined && from.region !== region) {
      const copying = [...r.dbClusterSnapshots.values()].filter(
        (s) =>
          s.Engine === source.Engine &&
          s.copiedFrom !== undefined &&
          s.copiedFrom.region !== region &&
          this.phase(s).state === 'pending',
      ).length;
      if (copying >= engineLimit)
        throw new AwsApiError('SnapshotQuotaExceeded', `Cannot copy more than ${engineLimit} snapshots across regions`);
    }
    const cluster = this.region(from.region).dbClusters.get(source.DBClusterIdentifier);
    const baseSeconds = cluster?.snapshotSeconds ?? 90 + source.volumeGiB * 4;
    const copy: DbClusterSnapshotModel = {
      DBClusterSnapshotIdentifier: id,
      DBClusterIdentifier: source.DBClusterIdentifier,
      Engine: source.Engine,
      volumeGiB: source.volumeGiB,
      TagList: this.rds.copyTags(source.TagList, input),
      SnapshotType: 'manual',
      Encrypted: sourceEncrypted,
      ...(key || source.KmsKeyId ? { KmsKeyId: key?.Arn ?? source.KmsKeyId } : {}),
      copiedFrom: { region: from.region, id: source.DBClusterSnapshotIdentifier },
      ...this.timing(baseSeconds * COPY_SLOWDOWN),
    };
    r.dbClusterSnapshots.set(id, copy);
    return this.created(RDS_API, { DBClusterSnapshot: this.dbClusterSnapshotView(region, copy) });
  }

  dbClusterSnapshots(region: string) {
    return [...this.region(region).dbClusterSnapshots.values()].map((s) => this.dbClusterSnapshotView(region, s));
  }

  dbClusterSnapshotCopies(region: string) {
    return copiesWithSource(this.region(region).dbClusterSnapshots.values(), (s) =>
      this.dbClusterSnapshotView(region, s),
    );
  }

  /**
   * What IAM sees of the cluster or cluster snapshot an RDS call names (./authorization.ts): its tags
   * (TagList), on which the retention and clean-up grants' tag conditions (rds:...-tag) are evaluated.
   */
  authorizationContext(
    region: string,
    action: string,
    input: Readonly<Record<string, unknown>>,
  ): AuthorizationContext | undefined {
    const r = this.region(region);
    switch (action) {
      case 'rds:DeleteDBClusterSnapshot':
        return {
          resourceTags: tagValues(r.dbClusterSnapshots.get(String(input.DBClusterSnapshotIdentifier))?.TagList),
        };
      case 'rds:DeleteDBCluster':
        return { resourceTags: tagValues(r.dbClusters.get(String(input.DBClusterIdentifier))?.TagList) };
      default:
        return undefined;
    }
  }
}

export const auroraModel = defineModelService({
  name: 'aurora',
  needs: ['rds'],
  build: (core, { rds }: { rds: RdsBackend }) => new AuroraBackend(core, rds),
  operations: [
    'addDbCluster',
    'addExistingDbClusterSnapshot',
    'dbClusterArn',
    'dbClusterSnapshotArn',
    'describeDBClusters',
    'describeDBClusterSnapshots',
    'createDBClusterSnapshot',
    'deleteDBClusterSnapshot',
    'copyDBClusterSnapshot',
    'dbClusterSnapshots',
    'dbClusterSnapshotCopies',
  ],
  hooks: {
    finishedAtMs: (aurora, region, id) => {
      const snapshot = aurora.region(region).dbClusterSnapshots.get(id);
      return snapshot && finishedAt(snapshot);
    },
    durationMs: (aurora, region, id) => aurora.region(region).dbClusterSnapshots.get(id)?.durationMs,
  },
});
