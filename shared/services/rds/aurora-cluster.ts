/**
 * Aurora DB clusters: one CreateDBClusterSnapshot per cluster (never per member instance: Aurora's
 * storage belongs to the cluster), with the same deterministic identifier scheme as RDS instances so a
 * retried start finds the snapshot it already started (DESIGN §7). DescribeDBClusterSnapshots returns
 * TagList and PercentProgress, so discovery, polling and retention never call ListTagsForResource.
 */
import {
  CopyDBClusterSnapshotCommand,
  CreateDBClusterSnapshotCommand,
  type DBCluster,
  type DBClusterSnapshot,
  DeleteDBClusterSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  paginateDescribeDBClusterSnapshots,
  paginateDescribeDBClusters,
} from '@aws-sdk/client-rds';
import { aws, awsErrorName, InvalidResourceStateError, ResourceNotFoundError } from '../../errors';
import type { ResourceRef } from '../../resource';
import { matchesTags, ownershipTags, TAG } from '../../tags';
import type { BackupStore, CheckResult, Discovered, OwnedBackup, ResourceDriver } from '../driver';
import { resolveInBatches } from '../resolve';
import { rdsClient } from './client';
import {
  assertOwnSnapshot,
  checkDbSnapshot,
  copyOrAdopt,
  ownedRdsSnapshot,
  RDS_FILTER_VALUES,
  rdsSnapshotIdentifier,
  snapshotTags,
  stateRefusal,
  tagsToCopy,
} from './rds-instance';

const NOT_FOUND = new Set(['DBClusterSnapshotNotFoundFault', 'DBClusterSnapshotNotFound']);
const ALREADY_EXISTS = new Set(['DBClusterSnapshotAlreadyExistsFault', 'DBClusterSnapshotAlreadyExists']);

export function checkClusterSnapshot(snapshot: DBClusterSnapshot): CheckResult {
  return checkDbSnapshot({
    Status: snapshot.Status,
    PercentProgress: snapshot.PercentProgress,
    DBSnapshotIdentifier: snapshot.DBClusterSnapshotIdentifier,
  });
}

async function findClusterSnapshot(region: string, identifier: string): Promise<DBClusterSnapshot | undefined> {
  try {
    const out = await rdsClient(region).send(
      new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: identifier }),
    );
    return out.DBClusterSnapshots?.[0];
  } catch (error) {
    if (NOT_FOUND.has(awsErrorName(error) ?? '')) return undefined;
    return aws(`RDS DescribeDBClusterSnapshots ${identifier}`, () => Promise.reject(error));
  }
}

/** What Plan learns from a cluster's description: its encryption and the tags its snapshot copies. */
function toDiscovered(ref: ResourceRef, cluster: DBCluster): Discovered {
  return { ref, ...(cluster.StorageEncrypted ? { encrypted: true } : {}), sourceTags: tagsToCopy(cluster) };
}

async function describeCluster(ref: ResourceRef): Promise<DBCluster> {
  const out = await aws(`RDS DescribeDBClusters ${ref.id}`, () =>
    rdsClient(ref.region).send(new DescribeDBClustersCommand({ DBClusterIdentifier: ref.id })),
  );
  const cluster = out.DBClusters?.[0];
  if (!cluster) throw new ResourceNotFoundError(`Aurora cluster ${ref.id} not found in ${ref.region}`);
  return cluster;
}

function refOf(region: string, cluster: DBCluster): ResourceRef | undefined {
  const arn = cluster.DBClusterArn;
  const id = cluster.DBClusterIdentifier;
  if (!arn || !id) return undefined;
  return { arn, type: 'aurora-cluster', region, accountId: arn.split(':')[4] ?? '', id };
}

export const rdsClusterSnapshotStore: BackupStore = {
  kind: 'rds-cluster-snapshot',

  async listOwned(region, owners) {
    const owned: OwnedBackup[] = [];
    await aws('RDS DescribeDBClusterSnapshots (owned)', async () => {
      for await (const page of paginateDescribeDBClusterSnapshots(
        { client: rdsClient(region), pageSize: 100 },
        { SnapshotType: 'manual' },
      )) {
        for (const s of page.DBClusterSnapshots ?? []) {
          const backup = ownedRdsSnapshot(
            'rds-cluster-snapshot',
            region,
            owners,
            s.DBClusterSnapshotIdentifier,
            s,
            s.DBClusterIdentifier,
          );
          if (backup) owned.push(backup);
        }
      }
    });
    return owned;
  },

  async delete(backup) {
    await aws(`RDS DeleteDBClusterSnapshot ${backup.id}`, () =>
      rdsClient(backup.region).send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: backup.id })),
    );
  },
};

export const auroraClusterDriver: ResourceDriver = {
  type: 'aurora-cluster',
  store: rdsClusterSnapshotStore,
  idempotentCreate: () => true,

  async discover(region, tags) {
    const found: Discovered[] = [];
    await aws('RDS DescribeDBClusters (discover)', async () => {
      // Like DescribeDBInstances, DescribeDBClusters returns TagList but cannot filter by tag.
      for await (const page of paginateDescribeDBClusters({ client: rdsClient(region), pageSize: 100 }, {})) {
        for (const cluster of page.DBClusters ?? []) {
          const ref = refOf(region, cluster);
          if (ref && matchesTags(cluster.TagList, tags)) found.push(toDiscovered(ref, cluster));
        }
      }
    });
    return found;
  },

  async resolve(ref) {
    return toDiscovered(ref, await describeCluster(ref));
  },

  resolveAll(refs) {
    const region = refs[0]?.region ?? '';
    return resolveInBatches({
      refs,
      size: RDS_FILTER_VALUES,
      fallback: auroraClusterDriver,
      missing: (ref) => `Aurora cluster ${ref.id} not found in ${ref.region}`,
      judge: toDiscovered,
      describe: (ids) =>
        aws(`RDS DescribeDBClusters (${ids.length} named)`, async () => {
          const found = new Map<string, DBCluster>();
          for await (const page of paginateDescribeDBClusters(
            { client: rdsClient(region), pageSize: 100 },
            { Filters: [{ Name: 'db-cluster-id', Values: ids }] },
          )) {
            for (const cluster of page.DBClusters ?? []) {
              const id = cluster.DBClusterIdentifier;
              const asked = id ? ids.find((x) => x.toLowerCase() === id.toLowerCase()) : undefined;
              if (asked) found.set(asked, cluster);
            }
          }
          return found;
        }),
    });
  },

  async start({ resource, tags, runId, mayExist, sourceTags }) {
    const identifier = rdsSnapshotIdentifier(runId, resource.id);
    if (mayExist) {
      const existing = await findClusterSnapshot(resource.region, identifier);
      if (existing) {
        assertOwnSnapshot(existing, identifier, resource, runId);
        return { backupIds: [identifier], reused: true };
      }
    }
    // As for RDS instances: passing Tags stops RDS copying the cluster's own, so the cluster's
    // CopyTagsToSnapshot is honoured by copying them explicitly (ours win, 50 at most). Plan read them
    // when it described the cluster; a cluster selected through a member (whose description does not
    // carry the cluster's tags) or an item written before is described here.
    const own = sourceTags ?? tagsToCopy(await describeCluster(resource));
    try {
      await rdsClient(resource.region).send(
        new CreateDBClusterSnapshotCommand({
          DBClusterSnapshotIdentifier: identifier,
          DBClusterIdentifier: resource.id,
          Tags: snapshotTags(own, tags),
        }),
      );
      return { backupIds: [identifier], reused: false };
    } catch (error) {
      if (ALREADY_EXISTS.has(awsErrorName(error) ?? '')) {
        const raced = await findClusterSnapshot(resource.region, identifier);
        if (raced) {
          assertOwnSnapshot(raced, identifier, resource, runId);
          return { backupIds: [identifier], reused: true };
        }
      }
      if (awsErrorName(error) === 'InvalidDBClusterStateFault') {
        const out = await aws(`RDS DescribeDBClusters ${resource.id}`, () =>
          rdsClient(resource.region).send(new DescribeDBClustersCommand({ DBClusterIdentifier: resource.id })),
        );
        throw stateRefusal(
          `Aurora cluster ${resource.id}`,
          out.DBClusters?.[0]?.Status,
          error,
          `RDS CreateDBClusterSnapshot ${resource.id}`,
        );
      }
      return aws(`RDS CreateDBClusterSnapshot ${resource.id}`, () => Promise.reject(error));
    }
  },

  async check(resource, backupIds) {
    const identifier = backupIds[0];
    if (!identifier) return { status: 'FAILED', reason: 'no cluster snapshot identifier recorded' };
    const snapshot = await findClusterSnapshot(resource.region, identifier);
    if (!snapshot) return { status: 'FAILED', reason: `DB cluster snapshot ${identifier} disappeared` };
    return checkClusterSnapshot(snapshot);
  },

  /** CopyDBClusterSnapshot in the destination under the same identifier (found there on a retry, or adopted). */
  async copy(resource, { backupIds, region, kmsKeyId, tags, runId }) {
    const identifier = backupIds[0];
    if (!identifier) throw new InvalidResourceStateError(`no cluster snapshot of ${resource.id} to copy`);
    const existing = await findClusterSnapshot(region, identifier);
    if (existing) {
      assertOwnSnapshot(existing, identifier, resource, runId);
      return { copyIds: [identifier], reused: true };
    }
    const partition = resource.arn.split(':')[1] ?? 'aws';
    // A taken identifier is this run's copy, made by a call whose answer was lost: adopted, never doubled.
    const reused = await copyOrAdopt(
      `RDS CopyDBClusterSnapshot ${identifier} to ${region}`,
      ALREADY_EXISTS,
      () =>
        rdsClient(region).send(
          new CopyDBClusterSnapshotCommand({
            SourceDBClusterSnapshotIdentifier: `arn:${partition}:rds:${resource.region}:${resource.accountId}:cluster-snapshot:${identifier}`,
            TargetDBClusterSnapshotIdentifier: identifier,
            // The source ARN names another region: the SDK adds the pre-signed URL RDS needs from there.
            ...(kmsKeyId ? { KmsKeyId: kmsKeyId } : {}),
            Tags: [...ownershipTags(tags), { Key: TAG.sourceRegion, Value: resource.region }],
          }),
        ),
      async () => {
        const raced = await findClusterSnapshot(region, identifier);
        if (raced) assertOwnSnapshot(raced, identifier, resource, runId);
        return raced !== undefined;
      },
    );
    return { copyIds: [identifier], reused };
  },

  async checkCopy(_resource, region, copyIds) {
    const identifier = copyIds[0];
    if (!identifier) return { status: 'FAILED', reason: 'no copy identifier recorded' };
    const snapshot = await findClusterSnapshot(region, identifier);
    if (!snapshot)
      return { status: 'FAILED', reason: `DB cluster snapshot copy ${identifier} disappeared in ${region}` };
    return checkClusterSnapshot(snapshot);
  },
};
