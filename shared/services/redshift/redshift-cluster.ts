/**
 * Redshift provisioned clusters: a manual snapshot per run (CreateClusterSnapshot) under a deterministic
 * identifier per run and cluster, so a retried start finds the snapshot it already started (DESIGN §7),
 * with a ManualSnapshotRetentionPeriod that matches the tier (the days to its expires-at), so Redshift
 * itself deletes what a lost stack would leave. The pipeline's retention still deletes by its own rules.
 *
 * Copies to the DR region are Redshift's own: a cluster copies every snapshot, manual ones included, to
 * the one destination its cross-region snapshot copy names (EnableSnapshotCopy, with a snapshot copy
 * grant for a KMS-encrypted cluster; docs/backups.md). Start copy reads that configuration: to the asked
 * region, the copy is tracked there under the same identifier; elsewhere or none, "not copied" with why.
 * Redshift copies no tags (strict), so Check copy tags the copy with the original's ownership tags once it
 * is there: retention in the DR region finds it as this stack's. A refusal for the cluster's state is
 * judged by that state: one that passes (modifying, resizing, ...) is retried; paused or failing is recorded.
 */
import { createHash } from 'node:crypto';
import {
  type Cluster,
  CreateClusterSnapshotCommand,
  CreateTagsCommand,
  DeleteClusterSnapshotCommand,
  DescribeClusterSnapshotsCommand,
  DescribeClustersCommand,
  paginateDescribeClusterSnapshots,
  paginateDescribeClusters,
  type Snapshot,
} from '@aws-sdk/client-redshift';
import { now } from '../../clock';
import {
  aws,
  awsErrorName,
  InvalidResourceStateError,
  LimitExceededError,
  ResourceNotFoundError,
  rethrowAws,
} from '../../errors';
import { RDS_SNAPSHOT_PREFIX as PREFIX } from '../../names';
import { partitionOf, type ResourceRef } from '../../resource';
import {
  managedByAnotherService,
  matchesTags,
  ownershipOf,
  ownershipTags,
  resourceTagsOf,
  TAG,
  TAG_PREFIX,
  type Tag,
  tagValue,
} from '../../tags';
import type { BackupStore, CheckResult, Discovered, OwnedBackup, ResourceDriver } from '../driver';
import { redshiftClusterArn, redshiftSnapshotArn } from './catalog';
import { redshiftClient } from './client';

const DAY_MS = 86_400_000;
const SNAPSHOT_NOT_FOUND = new Set(['ClusterSnapshotNotFound', 'ClusterSnapshotNotFoundFault']);
const CLUSTER_NOT_FOUND = new Set(['ClusterNotFound', 'ClusterNotFoundFault']);
const ALREADY_EXISTS = new Set(['ClusterSnapshotAlreadyExists', 'ClusterSnapshotAlreadyExistsFault']);

/** `bp-<run>-<hash>-<cluster>`: lower-case letters, digits, single hyphens, ≤255, a letter first (Redshift's rules). */
export function redshiftSnapshotIdentifier(runId: string, clusterId: string): string {
  const slug = runId
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  const hash = createHash('sha256').update(runId).digest('hex').slice(0, 8);
  return `${PREFIX}${slug ? `${slug}-` : ''}${hash}-${clusterId.toLowerCase()}`
    .replace(/-{2,}/g, '-')
    .slice(0, 255)
    .replace(/-+$/, '');
}

/** The days from now to `expiresAt`, as CreateClusterSnapshot takes them (1 to 3,653). */
export function retentionDays(expiresAt: string, at: Date = now()): number {
  const days = Math.ceil((Date.parse(expiresAt) - at.getTime()) / DAY_MS);
  return Math.min(3653, Math.max(1, Number.isFinite(days) ? days : 1));
}

/**
 * Cluster states that pass on their own: CreateClusterSnapshot refuses them now (InvalidClusterState) and
 * takes the snapshot once the cluster is `available` again. Anything else (paused, hardware-failure,
 * incompatible-*, storage-full, deleting) needs an operator and is recorded.
 */
const TRANSIENT = new Set([
  'available',
  'creating',
  'modifying',
  'rebooting',
  'renaming',
  'resizing',
  'rotating-keys',
  'updating-hsm',
  'resuming',
  'cancelling-resize',
  'final-snapshot',
]);

export const isTransientClusterState = (status: string | undefined): boolean =>
  status !== undefined && TRANSIENT.has(status);

export async function describeCluster(region: string, id: string): Promise<Cluster | undefined> {
  try {
    return (await redshiftClient(region).send(new DescribeClustersCommand({ ClusterIdentifier: id }))).Clusters?.[0];
  } catch (error) {
    if (CLUSTER_NOT_FOUND.has(awsErrorName(error) ?? '')) return undefined;
    rethrowAws(`Redshift DescribeClusters ${id}`, error);
  }
}

async function findSnapshot(region: string, id: string): Promise<Snapshot | undefined> {
  try {
    const out = await redshiftClient(region).send(new DescribeClusterSnapshotsCommand({ SnapshotIdentifier: id }));
    return out.Snapshots?.[0];
  } catch (error) {
    if (SNAPSHOT_NOT_FOUND.has(awsErrorName(error) ?? '')) return undefined;
    rethrowAws(`Redshift DescribeClusterSnapshots ${id}`, error);
  }
}

/** The snapshot under our identifier must be this run's for this cluster: the identifier alone could be anyone's. */
function assertOwn(snapshot: Snapshot, id: string, resource: ResourceRef, runId: string): void {
  if (tagValue(snapshot.Tags, TAG.source) !== resource.arn || tagValue(snapshot.Tags, TAG.runId) !== runId)
    throw new InvalidResourceStateError(`snapshot ${id} exists but was not created by this run for ${resource.arn}`);
}

/** Progress from what Redshift reports: elapsed over elapsed plus its estimate of what is left. */
export function checkSnapshot(snapshot: Snapshot): CheckResult {
  const status = snapshot.Status ?? 'unknown';
  if (status === 'available') return { status: 'COMPLETED', progress: 100 };
  if (status === 'creating') {
    const elapsed = snapshot.ElapsedTimeInSeconds ?? 0;
    const left = snapshot.EstimatedSecondsToCompletion;
    const progress =
      left !== undefined && elapsed + left > 0 ? Math.floor((100 * elapsed) / (elapsed + left)) : undefined;
    return { status: 'CREATING', progress: progress === undefined ? undefined : Math.min(progress, 99) };
  }
  return { status: 'FAILED', reason: `Redshift snapshot ${snapshot.SnapshotIdentifier ?? ''} is ${status}` };
}

function toDiscovered(ref: ResourceRef, cluster: Cluster): Discovered {
  const groups = (cluster.VpcSecurityGroups ?? []).flatMap((g) => (g.VpcSecurityGroupId ? [g.VpcSecurityGroupId] : []));
  return {
    ref,
    resourceTags: resourceTagsOf(cluster.Tags),
    restoreSettings: {
      nodeType: cluster.NodeType,
      numberOfNodes: cluster.NumberOfNodes,
      ...(cluster.ClusterSubnetGroupName ? { clusterSubnetGroupName: cluster.ClusterSubnetGroupName } : {}),
      vpcSecurityGroupIds: groups,
      ...(cluster.AvailabilityZone ? { availabilityZone: cluster.AvailabilityZone } : {}),
    },
  };
}

function refOf(region: string, accountId: string, partition: string, cluster: Cluster): ResourceRef | undefined {
  const id = cluster.ClusterIdentifier;
  if (!id) return undefined;
  return { arn: redshiftClusterArn(partition, region, accountId, id), type: 'redshift-cluster', region, accountId, id };
}

/** An owned Redshift manual snapshot as retention sees it: our prefix, our managed-by, and our run's identifier. */
function ownedSnapshot(region: string, owners: string | readonly string[], s: Snapshot): OwnedBackup | undefined {
  const id = s.SnapshotIdentifier;
  const managedBy = tagValue(s.Tags, TAG.managedBy);
  if (!id || !managedBy || ![owners].flat().includes(managedBy)) return undefined;
  if (!id.startsWith(PREFIX) || managedByAnotherService(s.Tags)) return undefined;
  const runId = tagValue(s.Tags, TAG.runId);
  if (runId && s.ClusterIdentifier && id !== redshiftSnapshotIdentifier(runId, s.ClusterIdentifier)) return undefined;
  return {
    kind: 'redshift-snapshot',
    id,
    region,
    ...ownershipOf(s.Tags),
    createdAt: s.SnapshotCreateTime ?? new Date(0),
    complete: s.Status === 'available',
    ...(s.Status === 'failed' ? { failed: true } : {}),
    heldBy: [],
  };
}

export const redshiftSnapshotStore: BackupStore = {
  kind: 'redshift-snapshot',
  async listOwned(region, owners) {
    const owned: OwnedBackup[] = [];
    await aws('Redshift DescribeClusterSnapshots (owned)', async () => {
      // DescribeClusterSnapshots returns Tags: no tag call per snapshot.
      const pages = paginateDescribeClusterSnapshots(
        { client: redshiftClient(region), pageSize: 100 },
        { SnapshotType: 'manual' },
      );
      for await (const page of pages)
        for (const s of page.Snapshots ?? []) {
          const backup = ownedSnapshot(region, owners, s);
          if (backup) owned.push(backup);
        }
    });
    return owned;
  },
  async delete(backup) {
    try {
      await redshiftClient(backup.region).send(new DeleteClusterSnapshotCommand({ SnapshotIdentifier: backup.id }));
    } catch (error) {
      // Redshift deleted it itself at the end of its ManualSnapshotRetentionPeriod: what was wanted.
      if (SNAPSHOT_NOT_FOUND.has(awsErrorName(error) ?? '')) return;
      rethrowAws(`Redshift DeleteClusterSnapshot ${backup.id}`, error);
    }
  },
};

/** Why the cluster's snapshots do not reach `region` (its cross-region snapshot copy), or undefined when they do. */
function copyGap(cluster: Cluster, region: string): string | undefined {
  const destination = cluster.ClusterSnapshotCopyStatus?.DestinationRegion;
  const setUp = `enable it with EnableSnapshotCopy to ${region} (a snapshot copy grant there for a KMS-encrypted cluster; docs/backups.md)`;
  if (!destination) return `Redshift cluster ${cluster.ClusterIdentifier} has no cross-region snapshot copy: ${setUp}`;
  if (destination !== region)
    return `Redshift cluster ${cluster.ClusterIdentifier} copies its snapshots to ${destination}, and a cluster copies to one region only`;
  return undefined;
}

export const redshiftClusterDriver: ResourceDriver = {
  type: 'redshift-cluster',
  store: redshiftSnapshotStore,
  // The identifier is deterministic per run and cluster: Redshift refuses a second (AlreadyExists).
  idempotentCreate: () => true,

  async discover(region, tags, accountId) {
    const found: Discovered[] = [];
    const keys = Object.keys(tags);
    await aws('Redshift DescribeClusters (discover)', async () => {
      // TagKeys narrows server-side (ANY of the keys); every wanted tag is then checked here.
      const pages = paginateDescribeClusters(
        { client: redshiftClient(region), pageSize: 100 },
        keys.length > 0 ? { TagKeys: keys } : {},
      );
      for await (const page of pages)
        for (const cluster of page.Clusters ?? []) {
          const ref = refOf(region, accountId, partitionOf(region), cluster);
          if (ref && matchesTags(cluster.Tags, tags)) found.push(toDiscovered(ref, cluster));
        }
    });
    return found;
  },

  async resolve(ref) {
    const cluster = await describeCluster(ref.region, ref.id);
    if (!cluster) throw new ResourceNotFoundError(`Redshift cluster ${ref.id} not found in ${ref.region}`);
    return toDiscovered(ref, cluster);
  },

  async start({ resource, tags, runId, mayExist }) {
    const identifier = redshiftSnapshotIdentifier(runId, resource.id);
    const reuse = async () => {
      const found = await findSnapshot(resource.region, identifier);
      if (found) assertOwn(found, identifier, resource, runId);
      return found;
    };
    if (mayExist && (await reuse())) return { backupIds: [identifier], reused: true };
    try {
      const out = await redshiftClient(resource.region).send(
        new CreateClusterSnapshotCommand({
          SnapshotIdentifier: identifier,
          ClusterIdentifier: resource.id,
          ManualSnapshotRetentionPeriod: retentionDays(tags.expiresAt),
          Tags: ownershipTags(tags),
        }),
      );
      const mb = out.Snapshot?.TotalBackupSizeInMegaBytes;
      return { backupIds: [identifier], reused: false, ...(mb !== undefined ? { sizeGiB: Math.ceil(mb / 1024) } : {}) };
    } catch (error) {
      const name = awsErrorName(error) ?? '';
      if (ALREADY_EXISTS.has(name) && (await reuse())) return { backupIds: [identifier], reused: true };
      if (name === 'InvalidClusterState' || name === 'InvalidClusterStateFault') {
        const cluster = await describeCluster(resource.region, resource.id);
        const status = cluster?.ClusterStatus;
        const context = `Redshift CreateClusterSnapshot ${resource.id}`;
        if (isTransientClusterState(status))
          throw new LimitExceededError(`${context}: the cluster is ${status}, which passes: retried (backoff)`, {
            cause: error,
          });
        throw new InvalidResourceStateError(`${context}: the cluster is ${status ?? 'gone'}`, { cause: error });
      }
      rethrowAws(`Redshift CreateClusterSnapshot ${resource.id}`, error);
    }
  },

  async check(resource, backupIds) {
    const id = backupIds[0];
    if (!id) return { status: 'FAILED', reason: 'no snapshot identifier recorded' };
    const snapshot = await findSnapshot(resource.region, id);
    if (!snapshot) return { status: 'FAILED', reason: `Redshift snapshot ${id} disappeared` };
    return checkSnapshot(snapshot);
  },

  /**
   * No copy call: Redshift copies the snapshot itself when the cluster's cross-region snapshot copy names
   * this region. Start copy confirms it does and records the copy's identifier (the original's).
   */
  async copy(resource, request) {
    const id = request.backupIds[0];
    if (!id) throw new InvalidResourceStateError(`no snapshot of ${resource.id} to copy`);
    const cluster = await describeCluster(resource.region, resource.id);
    if (!cluster)
      return { notCopied: `Redshift cluster ${resource.id} is gone: its snapshot copy cannot be confirmed` };
    const gap = copyGap(cluster, request.region);
    return gap ? { notCopied: gap } : { copyIds: [id], reused: false };
  },

  /**
   * The copy in the destination: not there yet (Redshift starts it once the original is available) is
   * CREATING, bounded by the copy's deadline; there, it is tagged as the original is (once), so that
   * retention in that region knows it as this stack's, then polled like an original.
   */
  async checkCopy(resource, region, copyIds) {
    const id = copyIds[0];
    if (!id) return { status: 'FAILED', reason: 'no copy identifier recorded' };
    const copy = await findSnapshot(region, id);
    if (!copy) return { status: 'CREATING', progress: undefined };
    if (copy.SourceRegion !== resource.region)
      return { status: 'FAILED', reason: `snapshot ${id} in ${region} is not a copy from ${resource.region}` };
    const result = checkSnapshot(copy);
    if (result.status !== 'COMPLETED' || tagValue(copy.Tags, TAG.managedBy)) return result;
    const original = await findSnapshot(resource.region, id);
    const ours: Tag[] = (original?.Tags ?? []).flatMap((t) =>
      t.Key?.startsWith(TAG_PREFIX) && t.Value !== undefined ? [{ Key: t.Key, Value: t.Value }] : [],
    );
    if (!tagValue(ours, TAG.managedBy))
      return {
        status: 'FAILED',
        reason: `the original of copy ${id} is gone from ${resource.region}: copy left untagged`,
      };
    const partition = partitionOf(region);
    await aws(`Redshift CreateTags ${id} in ${region}`, () =>
      redshiftClient(region).send(
        new CreateTagsCommand({
          ResourceName: redshiftSnapshotArn(
            partition,
            region,
            resource.accountId,
            copy.ClusterIdentifier ?? resource.id,
            id,
          ),
          Tags: [...ours, { Key: TAG.sourceRegion, Value: resource.region }],
        }),
      ),
    );
    return result;
  },
};
