/**
 * Redshift: provisioned clusters, their manual snapshots (CreateClusterSnapshot, DescribeClusterSnapshots,
 * DeleteClusterSnapshot), tags (CreateTags) and cross-region snapshot copy (EnableSnapshotCopy with a
 * snapshot copy grant, CreateSnapshotCopyGrant). Restores are in redshift-restore.ts over the same store.
 *
 * AWS's rules it enforces (docs/aws-behaviour.md, Redshift): a snapshot only of an `available` cluster
 * (InvalidClusterState); identifiers unique per region, a letter first, letters, digits and single hyphens,
 * 255 at most; ManualSnapshotRetentionPeriod -1 or 1..3653 (InvalidRetentionPeriod); 20 manual snapshots
 * per region, copies included (ClusterSnapshotQuotaExceeded); 50 tags; a manual snapshot deleted by
 * Redshift at the end of its retention period; a cluster copies to one destination region at a time, and
 * snapshots (automated and manual) are copied there by Redshift once available, without their tags
 * (strict: the documentation says nothing of tags on copies); a cluster under a KMS key needs a snapshot
 * copy grant of a key in the destination (strict: newer clusters may copy under an AWS owned key).
 */
import { type AuthorizationContext, type AuthorizationLookup, tagValues } from './authorization';
import {
  AwsApiError,
  arnPartition,
  COPY_SLOWDOWN,
  type CopySource,
  finishedAt,
  type ModelCore,
  RegionalBackend,
  RegionStore,
  type ServiceApi,
  type Tag,
  type Timed,
} from './core';
import type { EstateSeeding } from './estate-seeds';
import type { KmsBackend } from './kms';
import { paginate } from './query';
import { REDSHIFT_ESTATE_SEEDS, type RedshiftSeedOps } from './redshift-estates';
import { defineModelService } from './registry';

export const REDSHIFT_API: ServiceApi = {
  name: 'redshift',
  throttleCode: 'Throttling',
  throttleStatus: 400,
  internalErrorCode: 'InternalFailure',
};

export const REDSHIFT_LIMITS = {
  /** "Snapshots: 20 manual snapshots per account per Region" (Redshift quotas), copies included. */
  manualClusterSnapshotsPerRegion: 20,
};

const DAY_MS = 86_400_000;
const MAX_TAGS = 50;

export interface SnapshotCopyConfig {
  DestinationRegion: string;
  RetentionPeriod: number;
  ManualSnapshotRetentionPeriod: number;
  SnapshotCopyGrantName?: string;
}

export interface RedshiftClusterModel {
  ClusterIdentifier: string;
  NodeType: string;
  NumberOfNodes: number;
  status: string;
  /** A status that passes (modifying, resizing, creating, deleting) reads `available` (or gone) afterwards. */
  statusUntilMs?: number;
  Tags: Tag[];
  Encrypted: boolean;
  KmsKeyId?: string;
  sizeGiB: number;
  snapshotSeconds: number;
  ClusterSubnetGroupName: string;
  VpcSecurityGroupIds: string[];
  AvailabilityZone?: string;
  copy?: SnapshotCopyConfig;
  createdMs: number;
}

export interface RedshiftSnapshotModel extends Timed {
  SnapshotIdentifier: string;
  ClusterIdentifier: string;
  SnapshotType: 'manual' | 'automated';
  Tags: Tag[];
  ManualSnapshotRetentionPeriod: number;
  Encrypted: boolean;
  KmsKeyId?: string;
  NodeType: string;
  NumberOfNodes: number;
  sizeGiB: number;
  /** Megabytes this snapshot adds (the first of a cluster: all of it; later: what changed). */
  incrementalMb: number;
  /** The destination region Redshift copies it to once available (the cluster's configuration then). */
  copyTo?: SnapshotCopyConfig;
  copied?: boolean;
  copiedFrom?: CopySource;
}

export interface RedshiftRegionState {
  clusters: Map<string, RedshiftClusterModel>;
  snapshots: Map<string, RedshiftSnapshotModel>;
  grants: Map<string, { SnapshotCopyGrantName: string; KmsKeyId: string }>;
  subnetGroups: Set<string>;
}

/** Redshift's rule for a snapshot identifier (CreateClusterSnapshot). */
export function assertSnapshotIdentifier(id: string | undefined): string {
  if (!id || !/^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{0,254}$/.test(id) || id.endsWith('-'))
    throw new AwsApiError('InvalidParameterValue', `Invalid snapshot identifier: ${id ?? ''}`);
  return id;
}

/** -1 (kept until deleted) or 1..3653 days (CreateClusterSnapshot, EnableSnapshotCopy). */
export function assertManualRetention(days: number | undefined): number {
  const value = days ?? -1;
  if (value !== -1 && !(Number.isInteger(value) && value >= 1 && value <= 3653))
    throw new AwsApiError(
      'InvalidRetentionPeriodFault',
      'The retention period must be either -1 or an integer between 1 and 3,653.',
    );
  return value;
}

export function assertTags(tags: readonly Tag[]): void {
  if (tags.length > MAX_TAGS) throw new AwsApiError('TagLimitExceededFault', `You have exceeded ${MAX_TAGS} tags.`);
  if (tags.some((t) => t.Key.startsWith('aws:')))
    throw new AwsApiError('InvalidTagFault', 'Tag keys must not start with aws:.');
}

const clusterNotFound = (id: unknown) => new AwsApiError('ClusterNotFound', `Cluster ${id} not found.`, 404);
const snapshotNotFound = (id: unknown) => new AwsApiError('ClusterSnapshotNotFound', `Snapshot ${id} not found.`, 404);

export class RedshiftBackend
  extends RegionalBackend<RedshiftRegionState>
  implements EstateSeeding<RedshiftSeedOps>, AuthorizationLookup
{
  readonly limits = this.core.limitsOf(REDSHIFT_LIMITS);
  readonly estateSeeds = REDSHIFT_ESTATE_SEEDS;

  constructor(
    core: ModelCore,
    readonly kms: KmsBackend,
  ) {
    super(
      core,
      new RegionStore(() => ({
        clusters: new Map(),
        snapshots: new Map(),
        grants: new Map(),
        subnetGroups: new Set(['default']),
      })),
    );
  }

  addRedshiftCluster(
    region: string,
    c: Partial<RedshiftClusterModel> & { ClusterIdentifier: string },
  ): RedshiftClusterModel {
    const sizeGiB = c.sizeGiB ?? 500;
    const cluster: RedshiftClusterModel = {
      NodeType: 'ra3.xlplus',
      NumberOfNodes: 2,
      status: 'available',
      Tags: [],
      Encrypted: true,
      sizeGiB,
      snapshotSeconds: c.snapshotSeconds ?? Math.round(300 + sizeGiB * 2 * (0.7 + this.random() * 0.7)),
      ClusterSubnetGroupName: 'default',
      VpcSecurityGroupIds: [`sg-redshift-${region}`],
      createdMs: this.nowMs(),
      ...c,
    };
    this.region(region).subnetGroups.add(cluster.ClusterSubnetGroupName);
    this.region(region).clusters.set(cluster.ClusterIdentifier, cluster);
    return cluster;
  }

  addClusterSubnetGroup = (region: string, name: string): void => void this.region(region).subnetGroups.add(name);

  addExistingClusterSnapshot(
    region: string,
    s: Partial<RedshiftSnapshotModel> & { SnapshotIdentifier: string; ClusterIdentifier: string; startMs: number },
  ): RedshiftSnapshotModel {
    const snapshot: RedshiftSnapshotModel = {
      SnapshotType: 'manual',
      Tags: [],
      ManualSnapshotRetentionPeriod: -1,
      Encrypted: true,
      NodeType: 'ra3.xlplus',
      NumberOfNodes: 2,
      sizeGiB: 500,
      incrementalMb: 1024,
      durationMs: 0,
      ...s,
    };
    this.region(region).snapshots.set(snapshot.SnapshotIdentifier, snapshot);
    return snapshot;
  }

  redshiftClusterArn(region: string, id: string): string {
    return `arn:${arnPartition(region)}:redshift:${region}:${this.accountId}:cluster:${id}`;
  }

  redshiftSnapshotArn(region: string, cluster: string, id: string): string {
    return `arn:${arnPartition(region)}:redshift:${region}:${this.accountId}:snapshot:${cluster}/${id}`;
  }

  /** A passing status reads `available` once over; a deleted cluster is gone. */
  settleClusters(region: string): void {
    const r = this.region(region);
    for (const c of [...r.clusters.values()]) {
      if (c.statusUntilMs === undefined || this.nowMs() < c.statusUntilMs) continue;
      if (c.status === 'deleting') r.clusters.delete(c.ClusterIdentifier);
      else {
        c.status = 'available';
        delete c.statusUntilMs;
      }
    }
  }

  /**
   * Redshift's own work in a region, as of now: manual snapshots past their retention deleted ("manual
   * snapshots are deleted at the end of the snapshot retention period"), and every available snapshot of
   * a cluster that copies here made a copy (from the moment its source was available).
   */
  settleSnapshots(region: string): void {
    const r = this.region(region);
    for (const s of [...r.snapshots.values()]) {
      const remaining = this.remainingDays(s);
      if (remaining !== undefined && remaining < 0) r.snapshots.delete(s.SnapshotIdentifier);
    }
    for (const [source, state] of this.allRegions()) {
      if (source === region) continue;
      for (const s of state.snapshots.values()) {
        if (s.copied || s.copyTo?.DestinationRegion !== region || this.phase(s).state !== 'completed') continue;
        s.copied = true;
        this.copyInto(region, source, s);
      }
    }
  }

  private copyInto(region: string, source: string, s: RedshiftSnapshotModel): void {
    const r = this.region(region);
    const config = s.copyTo as SnapshotCopyConfig;
    const grant = config.SnapshotCopyGrantName ? r.grants.get(config.SnapshotCopyGrantName) : undefined;
    const full = this.manualCount(region) >= this.limits.manualClusterSnapshotsPerRegion;
    const start = finishedAt(s);
    const copy: RedshiftSnapshotModel = {
      ...s,
      Tags: [],
      ManualSnapshotRetentionPeriod: s.SnapshotType === 'manual' ? config.ManualSnapshotRetentionPeriod : -1,
      SnapshotType: 'manual',
      ...(grant ? { KmsKeyId: grant.KmsKeyId } : {}),
      copyTo: undefined,
      copied: false,
      copiedFrom: { region: source, id: s.SnapshotIdentifier },
      startMs: start,
      durationMs: Math.max(1000, Math.round(s.durationMs * COPY_SLOWDOWN)),
      // A destination with no room left: Redshift's copy fails there (the source is untouched).
      ...(full ? { failAt: 0 } : { failAt: undefined }),
    };
    if (!r.snapshots.has(copy.SnapshotIdentifier)) r.snapshots.set(copy.SnapshotIdentifier, copy);
  }

  private *allRegions(): Iterable<[string, RedshiftRegionState]> {
    for (const region of this.core.enabledRegions) yield [region, this.region(region)];
  }

  manualCount(region: string): number {
    return [...this.region(region).snapshots.values()].filter((s) => s.SnapshotType === 'manual').length;
  }

  /** Days left of a manual snapshot's retention (from its completion); undefined: kept until deleted. */
  private remainingDays(s: RedshiftSnapshotModel): number | undefined {
    if (s.SnapshotType !== 'manual' || s.ManualSnapshotRetentionPeriod === -1) return undefined;
    if (this.phase(s).state === 'pending') return s.ManualSnapshotRetentionPeriod;
    return s.ManualSnapshotRetentionPeriod - (this.nowMs() - finishedAt(s)) / DAY_MS;
  }

  clusterView(region: string, c: RedshiftClusterModel) {
    return {
      ClusterIdentifier: c.ClusterIdentifier,
      NodeType: c.NodeType,
      NumberOfNodes: c.NumberOfNodes,
      ClusterStatus: c.status,
      ClusterAvailabilityStatus: c.status === 'available' ? 'Available' : 'Modifying',
      Encrypted: c.Encrypted,
      ...(c.KmsKeyId ? { KmsKeyId: c.KmsKeyId } : {}),
      ClusterSubnetGroupName: c.ClusterSubnetGroupName,
      VpcSecurityGroups: c.VpcSecurityGroupIds.map((id) => ({ VpcSecurityGroupId: id, Status: 'active' })),
      AvailabilityZone: c.AvailabilityZone ?? `${region}a`,
      ClusterCreateTime: new Date(c.createdMs),
      TotalStorageCapacityInMegaBytes: c.sizeGiB * 1024,
      PubliclyAccessible: false,
      ClusterNamespaceArn: `arn:${arnPartition(region)}:redshift:${region}:${this.accountId}:namespace:${c.ClusterIdentifier}`,
      ...(c.copy ? { ClusterSnapshotCopyStatus: { ...c.copy } } : {}),
      Tags: c.Tags,
    };
  }

  describeClusters(
    region: string,
    input: {
      ClusterIdentifier?: string;
      TagKeys?: string[];
      TagValues?: string[];
      MaxRecords?: number;
      Marker?: string;
    },
  ) {
    this.gate(REDSHIFT_API, 'DescribeClusters');
    this.assertMaxRecords(input.MaxRecords);
    this.settleClusters(region);
    const r = this.region(region);
    if (input.ClusterIdentifier && !r.clusters.has(input.ClusterIdentifier))
      throw clusterNotFound(input.ClusterIdentifier);
    // Tag filters match ANY of the keys and ANY of the values (DescribeClusters); the caller narrows.
    const selected = [...r.clusters.values()].filter(
      (c) =>
        (!input.ClusterIdentifier || c.ClusterIdentifier === input.ClusterIdentifier) &&
        (!input.TagKeys?.length || c.Tags.some((t) => input.TagKeys?.includes(t.Key))) &&
        (!input.TagValues?.length || c.Tags.some((t) => input.TagValues?.includes(t.Value))),
    );
    const { page, next } = paginate(selected, input.MaxRecords, input.Marker, 100);
    return { Clusters: page.map((c) => this.clusterView(region, c)), ...(next ? { Marker: next } : {}) };
  }

  /** MaxRecords: 20 to 100 (Redshift's Describe calls). */
  private assertMaxRecords(max: number | undefined): void {
    if (max !== undefined && (max < 20 || max > 100))
      throw new AwsApiError('InvalidParameterValue', 'MaxRecords must be between 20 and 100.');
  }

  snapshotView(region: string, s: RedshiftSnapshotModel) {
    const { state } = this.phase(s);
    const elapsed = Math.max(0, Math.round((this.nowMs() - s.startMs) / 1000));
    const total = Math.round(s.durationMs / 1000);
    const doneMb = state === 'pending' ? Math.round((s.incrementalMb * elapsed) / Math.max(total, 1)) : s.incrementalMb;
    const remaining = this.remainingDays(s);
    return {
      SnapshotIdentifier: s.SnapshotIdentifier,
      SnapshotArn: this.redshiftSnapshotArn(region, s.ClusterIdentifier, s.SnapshotIdentifier),
      ClusterIdentifier: s.ClusterIdentifier,
      SnapshotCreateTime: new Date(s.startMs),
      Status: state === 'pending' ? 'creating' : state === 'completed' ? 'available' : 'failed',
      SnapshotType: s.SnapshotType,
      NodeType: s.NodeType,
      NumberOfNodes: s.NumberOfNodes,
      Encrypted: s.Encrypted,
      ...(s.KmsKeyId ? { KmsKeyId: s.KmsKeyId } : {}),
      TotalBackupSizeInMegaBytes: s.sizeGiB * 1024,
      ActualIncrementalBackupSizeInMegaBytes: s.incrementalMb,
      BackupProgressInMegaBytes: doneMb,
      ElapsedTimeInSeconds: state === 'pending' ? elapsed : total,
      EstimatedSecondsToCompletion: state === 'pending' ? Math.max(0, total - elapsed) : 0,
      ManualSnapshotRetentionPeriod: s.ManualSnapshotRetentionPeriod,
      ...(remaining !== undefined ? { ManualSnapshotRemainingDays: Math.floor(remaining) } : {}),
      ...(s.copiedFrom ? { SourceRegion: s.copiedFrom.region } : {}),
      Tags: s.Tags,
    };
  }

  describeClusterSnapshots(
    region: string,
    input: {
      SnapshotIdentifier?: string;
      ClusterIdentifier?: string;
      SnapshotType?: string;
      MaxRecords?: number;
      Marker?: string;
    },
  ) {
    this.gate(REDSHIFT_API, 'DescribeClusterSnapshots');
    this.assertMaxRecords(input.MaxRecords);
    this.settleSnapshots(region);
    const r = this.region(region);
    if (input.SnapshotIdentifier && !r.snapshots.has(input.SnapshotIdentifier))
      throw snapshotNotFound(input.SnapshotIdentifier);
    const selected = [...r.snapshots.values()].filter(
      (s) =>
        (!input.SnapshotIdentifier || s.SnapshotIdentifier === input.SnapshotIdentifier) &&
        (!input.ClusterIdentifier || s.ClusterIdentifier === input.ClusterIdentifier) &&
        (!input.SnapshotType || s.SnapshotType === input.SnapshotType),
    );
    const { page, next } = paginate(selected, input.MaxRecords, input.Marker, 100);
    return { Snapshots: page.map((s) => this.snapshotView(region, s)), ...(next ? { Marker: next } : {}) };
  }

  createClusterSnapshot(
    region: string,
    input: {
      SnapshotIdentifier?: string;
      ClusterIdentifier?: string;
      ManualSnapshotRetentionPeriod?: number;
      Tags?: Tag[];
    },
  ) {
    this.gate(REDSHIFT_API, 'CreateClusterSnapshot');
    this.settleClusters(region);
    this.settleSnapshots(region);
    const r = this.region(region);
    const cluster = input.ClusterIdentifier ? r.clusters.get(input.ClusterIdentifier) : undefined;
    if (!cluster) throw clusterNotFound(input.ClusterIdentifier);
    const id = assertSnapshotIdentifier(input.SnapshotIdentifier);
    if (r.snapshots.has(id))
      throw new AwsApiError(
        'ClusterSnapshotAlreadyExists',
        `Cannot create the snapshot because a snapshot with the identifier ${id} already exists.`,
      );
    const retention = assertManualRetention(input.ManualSnapshotRetentionPeriod);
    const tags = input.Tags ?? [];
    assertTags(tags);
    if (cluster.status !== 'available')
      throw new AwsApiError(
        'InvalidClusterState',
        `The cluster ${cluster.ClusterIdentifier} must be available to take a snapshot; it is ${cluster.status}.`,
      );
    if (this.manualCount(region) >= this.limits.manualClusterSnapshotsPerRegion)
      throw new AwsApiError(
        'ClusterSnapshotQuotaExceeded',
        `Cannot create more than ${this.limits.manualClusterSnapshotsPerRegion} manual snapshots.`,
      );
    // Incremental: the first snapshot of a cluster holds it all, a later one what changed since.
    const earlier = [...r.snapshots.values()].some(
      (s) => s.ClusterIdentifier === cluster.ClusterIdentifier && !s.copiedFrom,
    );
    const fullMb = cluster.sizeGiB * 1024;
    const snapshot: RedshiftSnapshotModel = {
      SnapshotIdentifier: id,
      ClusterIdentifier: cluster.ClusterIdentifier,
      SnapshotType: 'manual',
      Tags: [...tags],
      ManualSnapshotRetentionPeriod: retention,
      Encrypted: cluster.Encrypted,
      ...(cluster.KmsKeyId ? { KmsKeyId: cluster.KmsKeyId } : {}),
      NodeType: cluster.NodeType,
      NumberOfNodes: cluster.NumberOfNodes,
      sizeGiB: cluster.sizeGiB,
      incrementalMb: earlier ? Math.max(1, Math.round(fullMb * 0.05)) : fullMb,
      ...(cluster.copy ? { copyTo: { ...cluster.copy } } : {}),
      ...this.timing(cluster.snapshotSeconds * (earlier ? 0.3 : 1)),
    };
    r.snapshots.set(id, snapshot);
    return this.created(REDSHIFT_API, { Snapshot: this.snapshotView(region, snapshot) });
  }

  deleteClusterSnapshot(region: string, input: { SnapshotIdentifier?: string }) {
    this.gate(REDSHIFT_API, 'DeleteClusterSnapshot');
    this.settleSnapshots(region);
    const r = this.region(region);
    const s = input.SnapshotIdentifier ? r.snapshots.get(input.SnapshotIdentifier) : undefined;
    if (!s) throw snapshotNotFound(input.SnapshotIdentifier);
    if (s.SnapshotType !== 'manual')
      throw new AwsApiError('InvalidClusterSnapshotState', 'Only manual snapshots can be deleted.');
    if (this.phase(s).state === 'pending')
      throw new AwsApiError('InvalidClusterSnapshotState', `Snapshot ${s.SnapshotIdentifier} is not available.`);
    r.snapshots.delete(s.SnapshotIdentifier);
    return { Snapshot: this.snapshotView(region, s) };
  }

  /** CreateTags on a cluster or a snapshot named by ARN (in the calling region). */
  createRedshiftTags(region: string, input: { ResourceName?: string; Tags?: Tag[] }) {
    this.gate(REDSHIFT_API, 'CreateTags');
    this.settleSnapshots(region);
    const target = this.taggable(region, input.ResourceName);
    const merged = [...target.Tags.filter((t) => !input.Tags?.some((n) => n.Key === t.Key)), ...(input.Tags ?? [])];
    assertTags(merged);
    target.Tags = merged;
    return {};
  }

  private taggable(region: string, arn: string | undefined): { Tags: Tag[] } {
    const match = /^arn:[^:]+:redshift:([^:]+):([^:]+):(cluster|snapshot):(?:[^/]+\/)?(.+)$/.exec(arn ?? '');
    const r = this.region(region);
    const found =
      match && match[1] === region && match[2] === this.accountId
        ? match[3] === 'cluster'
          ? r.clusters.get(match[4] ?? '')
          : r.snapshots.get(match[4] ?? '')
        : undefined;
    if (!found) throw new AwsApiError('ResourceNotFoundFault', `The resource ${arn ?? ''} was not found.`, 404);
    return found;
  }

  createSnapshotCopyGrant(region: string, input: { SnapshotCopyGrantName?: string; KmsKeyId?: string }) {
    this.gate(REDSHIFT_API, 'CreateSnapshotCopyGrant');
    const r = this.region(region);
    const name = input.SnapshotCopyGrantName ?? '';
    if (r.grants.has(name))
      throw new AwsApiError('SnapshotCopyGrantAlreadyExistsFault', `The snapshot copy grant ${name} already exists.`);
    const key = this.kms.findKmsKey(region, input.KmsKeyId ?? 'alias/aws/redshift');
    if (!key)
      throw new AwsApiError('InvalidKMSKeyFault', `The KMS key ${input.KmsKeyId ?? ''} is not valid in ${region}.`);
    const grant = { SnapshotCopyGrantName: name, KmsKeyId: key.Arn };
    r.grants.set(name, grant);
    return { SnapshotCopyGrant: { ...grant } };
  }

  /**
   * EnableSnapshotCopy: one destination region per cluster (SnapshotCopyAlreadyEnabledFault), an enabled
   * region other than the cluster's (UnknownSnapshotCopyRegionFault), and for a cluster under a KMS key a
   * grant that exists in the destination (SnapshotCopyGrantNotFoundFault).
   */
  enableSnapshotCopy(
    region: string,
    input: {
      ClusterIdentifier?: string;
      DestinationRegion?: string;
      RetentionPeriod?: number;
      ManualSnapshotRetentionPeriod?: number;
      SnapshotCopyGrantName?: string;
    },
  ) {
    this.gate(REDSHIFT_API, 'EnableSnapshotCopy');
    const cluster = input.ClusterIdentifier ? this.region(region).clusters.get(input.ClusterIdentifier) : undefined;
    if (!cluster) throw clusterNotFound(input.ClusterIdentifier);
    if (cluster.copy)
      throw new AwsApiError(
        'SnapshotCopyAlreadyEnabledFault',
        'The cluster already has cross-region snapshot copy enabled.',
      );
    const destination = input.DestinationRegion ?? '';
    if (destination === region || !this.core.enabledRegions.includes(destination))
      throw new AwsApiError('UnknownSnapshotCopyRegionFault', `The region ${destination} is not a valid destination.`);
    const retention = input.RetentionPeriod ?? 7;
    if (!(Number.isInteger(retention) && retention >= 1 && retention <= 35))
      throw new AwsApiError('InvalidRetentionPeriodFault', 'RetentionPeriod must be between 1 and 35.');
    const manual = assertManualRetention(input.ManualSnapshotRetentionPeriod);
    const grantName = input.SnapshotCopyGrantName;
    if (grantName && !this.region(destination).grants.has(grantName))
      throw new AwsApiError(
        'SnapshotCopyGrantNotFoundFault',
        `The snapshot copy grant ${grantName} was not found in ${destination}.`,
      );
    if (cluster.KmsKeyId && !grantName)
      throw new AwsApiError(
        'SnapshotCopyGrantNotFoundFault',
        'A cluster encrypted with a KMS key needs a snapshot copy grant in the destination region.',
      );
    cluster.copy = {
      DestinationRegion: destination,
      RetentionPeriod: retention,
      ManualSnapshotRetentionPeriod: manual,
      ...(grantName ? { SnapshotCopyGrantName: grantName } : {}),
    };
    return { Cluster: this.clusterView(region, cluster) };
  }

  redshiftClusters(region: string) {
    this.settleClusters(region);
    return [...this.region(region).clusters.values()].map((c) => this.clusterView(region, c));
  }
  redshiftSnapshots(region: string) {
    this.settleSnapshots(region);
    return [...this.region(region).snapshots.values()].map((s) => this.snapshotView(region, s));
  }

  /** What IAM sees of the snapshot or cluster a Redshift call names (its tags, for aws:ResourceTag). */
  authorizationContext(
    region: string,
    action: string,
    input: Readonly<Record<string, unknown>>,
  ): AuthorizationContext | undefined {
    const r = this.region(region);
    switch (action) {
      case 'redshift:DeleteClusterSnapshot':
        return { resourceTags: tagValues(r.snapshots.get(String(input.SnapshotIdentifier))?.Tags) };
      case 'redshift:DeleteCluster':
        return { resourceTags: tagValues(r.clusters.get(String(input.ClusterIdentifier))?.Tags) };
      default:
        return undefined;
    }
  }
}

export const redshiftModel = defineModelService({
  name: 'redshift',
  needs: ['kms'],
  build: (core, { kms }: { kms: KmsBackend }) => new RedshiftBackend(core, kms),
  operations: [
    'addRedshiftCluster',
    'addClusterSubnetGroup',
    'addExistingClusterSnapshot',
    'redshiftClusterArn',
    'redshiftSnapshotArn',
    'describeClusters',
    'describeClusterSnapshots',
    'createClusterSnapshot',
    'deleteClusterSnapshot',
    'createRedshiftTags',
    'createSnapshotCopyGrant',
    'enableSnapshotCopy',
    'redshiftClusters',
    'redshiftSnapshots',
  ],
  limits: REDSHIFT_LIMITS,
  hooks: {
    finishedAtMs: (backend, region, id) => {
      const snapshot = backend.region(region).snapshots.get(id);
      return snapshot && finishedAt(snapshot);
    },
    durationMs: (backend, region, id) => backend.region(region).snapshots.get(id)?.durationMs,
  },
});
