/**
 * ElastiCache node-based replication groups (Valkey, Redis OSS): a manual snapshot per run, under a
 * deterministic name (`bp-<run>-<hash>-<group>`), so a retried start finds it (DescribeSnapshots by name)
 * and a create whose answer was lost is refused SnapshotAlreadyExistsFault and adopted.
 *
 * Which node: "snapshots can degrade performance: back up a read replica" (the issue, after AWS's
 * "Performance impact of backups of node-based clusters"). With cluster mode disabled the snapshot is
 * taken of a read replica's node (CreateSnapshot CacheClusterId), of the primary's only when the group
 * has no replica; with cluster mode enabled ElastiCache takes backups only at the group level
 * (CreateSnapshot ReplicationGroupId; "Backup constraints"). The choice is recorded with the backup
 * (restore settings `backedUpFrom`), read again at start since a failover may have swapped the roles.
 *
 * Copies: ElastiCache copies a snapshot only within its region; the way out of a region is an export to
 * an S3 bucket in the snapshot's own region (CopySnapshot TargetBucket, the bucket granting ElastiCache
 * access by ACL) and an S3 copy of its .rdb files, which this stack does not set up: not copied, said why.
 *
 * Memcached (node-based) has no backup in ElastiCache ("Backup and restore are supported only for caches
 * running on Valkey, Redis OSS or Serverless Memcached"): a tagged Memcached cluster is reported SKIPPED
 * with that reason, never silently left out.
 */
import { createHash } from 'node:crypto';
import {
  type CacheCluster,
  CreateSnapshotCommand,
  DeleteSnapshotCommand,
  DescribeCacheClustersCommand,
  DescribeReplicationGroupsCommand,
  DescribeSnapshotsCommand,
  ListTagsForResourceCommand,
  type ReplicationGroup,
  type Snapshot,
} from '@aws-sdk/client-elasticache';
import { aws, awsErrorName, InvalidResourceStateError, ResourceNotFoundError, rethrowAws } from '../../errors';
import { partitionOf, type ResourceRef } from '../../resource';
import { copyableTags, matchesTags, ownershipOf, ownershipTags, resourceTagsOf, type Tag } from '../../tags';
import type { BackupStore, CheckResult, Discovered, OwnedBackup, ResourceDriver } from '../driver';
import { replicationGroupArn } from './catalog';
import { elasticacheClient } from './client';
import { ELASTICACHE_SNAPSHOT_PREFIX } from './permissions';
import { type ReplicationGroupRestoreSettings, replicationGroupRestoreSettings } from './replication-group-restore';

export const MEMCACHED_NOT_BACKED_UP =
  'Memcached: ElastiCache backs up only Valkey, Redis OSS and serverless caches (a node-based Memcached cluster has no snapshot or restore)';
export const SNAPSHOT_NOT_COPIED =
  "ElastiCache copies snapshots only within their region; leaving the region takes an export to an S3 bucket in the snapshot's region (CopySnapshot TargetBucket) and an S3 copy, which this stack does not set up";

/** The run's snapshot of a group: lower-case letters, digits and single hyphens, the project prefix first. */
export function elasticacheSnapshotName(runId: string, groupId: string): string {
  const slug = runId
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  const hash = createHash('sha256').update(runId).digest('hex').slice(0, 8);
  return `${ELASTICACHE_SNAPSHOT_PREFIX}${slug ? `${slug}-` : ''}${hash}-${groupId.toLowerCase()}`
    .replace(/-{2,}/g, '-')
    .slice(0, 255);
}

async function tagsOf(region: string, arn: string): Promise<Tag[]> {
  const out = await aws(`ElastiCache ListTagsForResource ${arn}`, () =>
    elasticacheClient(region).send(new ListTagsForResourceCommand({ ResourceName: arn })),
  );
  return (out.TagList ?? []).flatMap((t) => (t.Key ? [{ Key: t.Key, Value: t.Value ?? '' }] : []));
}

async function describeGroup(region: string, id: string): Promise<ReplicationGroup | undefined> {
  try {
    const out = await elasticacheClient(region).send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }));
    return out.ReplicationGroups?.[0];
  } catch (error) {
    if (awsErrorName(error)?.startsWith('ReplicationGroupNotFound')) return undefined;
    rethrowAws(`ElastiCache DescribeReplicationGroups ${id}`, error);
  }
}

async function describeClusters(region: string, id?: string): Promise<CacheCluster[]> {
  const clusters: CacheCluster[] = [];
  let marker: string | undefined;
  do {
    const page = await aws(`ElastiCache DescribeCacheClusters ${id ?? ''}`.trim(), () =>
      elasticacheClient(region).send(
        new DescribeCacheClustersCommand({ ...(id ? { CacheClusterId: id } : {}), Marker: marker, MaxRecords: 100 }),
      ),
    );
    clusters.push(...(page.CacheClusters ?? []));
    marker = page.Marker;
  } while (marker);
  return clusters;
}

/**
 * The node a snapshot of the group is taken of: a read replica's when there is one, the primary's when
 * there is none; the group itself when cluster mode is enabled (AWS takes those only at group level).
 */
export function snapshotSource(group: ReplicationGroup): {
  input: { CacheClusterId: string } | { ReplicationGroupId: string };
  backedUpFrom: string;
} {
  const id = group.ReplicationGroupId ?? '';
  if (group.ClusterEnabled)
    return {
      input: { ReplicationGroupId: id },
      backedUpFrom: 'the replication group (cluster mode enabled: ElastiCache backs up at group level only)',
    };
  const members = group.NodeGroups?.[0]?.NodeGroupMembers ?? [];
  const replica = members.find((m) => m.CurrentRole === 'replica' && m.CacheClusterId);
  if (replica?.CacheClusterId)
    return {
      input: { CacheClusterId: replica.CacheClusterId },
      backedUpFrom: `read replica ${replica.CacheClusterId}`,
    };
  const primary = members.find((m) => m.CurrentRole === 'primary')?.CacheClusterId ?? group.MemberClusters?.[0];
  if (!primary) throw new InvalidResourceStateError(`ElastiCache replication group ${id} has no node to back up`);
  return {
    input: { CacheClusterId: primary },
    backedUpFrom: `primary ${primary} (the group has no read replica: the snapshot may slow it)`,
  };
}

function discovered(
  ref: ResourceRef,
  tags: Tag[],
  group: ReplicationGroup,
  member: CacheCluster | undefined,
): Discovered {
  const settings: ReplicationGroupRestoreSettings | undefined = replicationGroupRestoreSettings(
    group,
    member,
    snapshotSource(group).backedUpFrom,
  );
  const { input, backedUpFrom } = snapshotSource(group);
  return {
    ref,
    // The primary is snapshotted only for want of a replica, which slows it: said on the record.
    ...('CacheClusterId' in input && !backedUpFrom.startsWith('read replica')
      ? { note: `snapshot of the ${backedUpFrom}` }
      : {}),
    resourceTags: resourceTagsOf(tags),
    ...(settings ? { restoreSettings: settings } : {}),
  };
}

const refOf = (region: string, accountId: string, id: string, arn?: string): ResourceRef => ({
  arn: arn ?? replicationGroupArn(partitionOf(region), region, accountId, id),
  type: 'elasticache-replication-group',
  region,
  accountId,
  id,
});

async function findSnapshot(region: string, name: string): Promise<Snapshot | undefined> {
  try {
    const out = await elasticacheClient(region).send(new DescribeSnapshotsCommand({ SnapshotName: name }));
    return out.Snapshots?.[0];
  } catch (error) {
    if (awsErrorName(error) === 'SnapshotNotFoundFault') return undefined;
    rethrowAws(`ElastiCache DescribeSnapshots ${name}`, error);
  }
}

export const elasticacheSnapshotStore: BackupStore = {
  kind: 'elasticache-snapshot',

  async listOwned(region, owners) {
    const wanted = new Set([owners].flat());
    const owned: OwnedBackup[] = [];
    let marker: string | undefined;
    do {
      const page = await aws('ElastiCache DescribeSnapshots (owned)', () =>
        elasticacheClient(region).send(
          new DescribeSnapshotsCommand({ SnapshotSource: 'manual', Marker: marker, MaxRecords: 50 }),
        ),
      );
      for (const s of page.Snapshots ?? []) {
        // Ownership is never the tag alone: the project's prefix first, then its managed-by tag.
        if (!s.SnapshotName?.startsWith(ELASTICACHE_SNAPSHOT_PREFIX) || !s.ARN) continue;
        const tags = ownershipOf(await tagsOf(region, s.ARN));
        if (!tags.managedBy || !wanted.has(tags.managedBy)) continue;
        owned.push({
          kind: 'elasticache-snapshot',
          id: s.SnapshotName,
          region,
          ...tags,
          createdAt: s.NodeSnapshots?.[0]?.SnapshotCreateTime ?? new Date(0),
          complete: s.SnapshotStatus === 'available',
          failed: s.SnapshotStatus === 'failed',
          heldBy: [],
        });
      }
      marker = page.Marker;
    } while (marker);
    return owned;
  },

  async delete(backup) {
    await aws(`ElastiCache DeleteSnapshot ${backup.id}`, () =>
      elasticacheClient(backup.region).send(new DeleteSnapshotCommand({ SnapshotName: backup.id })),
    );
  },
};

export const replicationGroupDriver: ResourceDriver = {
  type: 'elasticache-replication-group',
  store: elasticacheSnapshotStore,
  // A snapshot name is unique in its region: a second create of the run's name is refused.
  idempotentCreate: () => true,

  async discover(region, tags, accountId) {
    const groups: ReplicationGroup[] = [];
    let marker: string | undefined;
    do {
      const page = await aws('ElastiCache DescribeReplicationGroups (discover)', () =>
        elasticacheClient(region).send(new DescribeReplicationGroupsCommand({ Marker: marker, MaxRecords: 100 })),
      );
      groups.push(...(page.ReplicationGroups ?? []));
      marker = page.Marker;
    } while (marker);
    // The nodes: each group's first member (its subnet and security groups, engine version) and the
    // Memcached clusters, which belong to no group and are reported, not backed up.
    const clusters = await describeClusters(region);
    const byId = new Map(clusters.map((c) => [c.CacheClusterId, c]));
    const found: Discovered[] = [];
    for (const group of groups) {
      const id = group.ReplicationGroupId;
      if (!id || group.Status === 'deleting') continue;
      const ref = refOf(region, accountId, id, group.ARN);
      const groupTags = await tagsOf(region, ref.arn);
      if (!matchesTags(groupTags, tags)) continue;
      found.push(discovered(ref, groupTags, group, byId.get(group.MemberClusters?.[0])));
    }
    for (const cluster of clusters) {
      if (cluster.Engine !== 'memcached' || !cluster.CacheClusterId || !cluster.ARN) continue;
      if (!matchesTags(await tagsOf(region, cluster.ARN), tags)) continue;
      found.push({
        ref: { ...refOf(region, accountId, cluster.CacheClusterId, cluster.ARN) },
        skipReason: MEMCACHED_NOT_BACKED_UP,
      });
    }
    return found;
  },

  async resolve(ref) {
    const group = await describeGroup(ref.region, ref.id);
    if (!group) throw new ResourceNotFoundError(`ElastiCache replication group ${ref.id} not found in ${ref.region}`);
    const [member] = group.MemberClusters?.[0] ? await describeClusters(ref.region, group.MemberClusters[0]) : [];
    return discovered(ref, await tagsOf(ref.region, ref.arn), group, member);
  },

  async start({ resource, tags, runId, mayExist, sourceTags }) {
    const name = elasticacheSnapshotName(runId, resource.id);
    if (mayExist && (await findSnapshot(resource.region, name))) return { backupIds: [name], reused: true };
    const group = await describeGroup(resource.region, resource.id);
    if (!group)
      throw new ResourceNotFoundError(`ElastiCache replication group ${resource.id} not found in ${resource.region}`);
    const { input } = snapshotSource(group);
    try {
      await elasticacheClient(resource.region).send(
        new CreateSnapshotCommand({
          SnapshotName: name,
          ...input,
          Tags: [...ownershipTags(tags), ...copyableTags(sourceTags, 45)],
        }),
      );
    } catch (error) {
      // The SDK's retry of a create whose answer was lost: the run's own name, adopted.
      if (awsErrorName(error)?.startsWith('SnapshotAlreadyExists') && (await findSnapshot(resource.region, name)))
        return { backupIds: [name], reused: true };
      rethrowAws(`ElastiCache CreateSnapshot ${resource.id}`, error);
    }
    return { backupIds: [name], reused: false };
  },

  async check(resource, backupIds): Promise<CheckResult> {
    const name = backupIds[0];
    if (!name) return { status: 'FAILED', reason: 'no ElastiCache snapshot recorded' };
    const snapshot = await findSnapshot(resource.region, name);
    if (!snapshot) return { status: 'FAILED', reason: `ElastiCache snapshot ${name} disappeared` };
    if (snapshot.SnapshotStatus === 'available') return { status: 'COMPLETED', progress: 100 };
    if (snapshot.SnapshotStatus === 'creating') return { status: 'CREATING', progress: undefined };
    return { status: 'FAILED', reason: `ElastiCache snapshot ${name} is ${snapshot.SnapshotStatus ?? 'unknown'}` };
  },

  notCopied: () => SNAPSHOT_NOT_COPIED,
  copy: () => Promise.resolve({ notCopied: SNAPSHOT_NOT_COPIED }),
};
