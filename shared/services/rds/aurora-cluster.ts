/**
 * Aurora DB clusters, and the driver every RDS-family cluster engine is (DocumentDB, Neptune:
 * clusterDriver): one CreateDBClusterSnapshot per cluster (never per member instance: the storage
 * belongs to the cluster), with the same deterministic identifier scheme as RDS instances so a retried
 * start finds the snapshot it already started (DESIGN §7). DescribeDBClusterSnapshots returns TagList
 * and PercentProgress, so discovery, polling and retention never call ListTagsForResource. The steps it
 * shares with RDS instances are in ./rds-driver.ts.
 *
 * DescribeDBClusters answers every engine, so each cluster type keeps the clusters of its engines
 * (clusterTypeOf): Aurora never backs up a DocumentDB or Neptune cluster as its own, nor they an
 * Aurora one. An explicit ARN (`cluster:<id>`, the same for all three) parses as Aurora's; its
 * description's Engine retypes it. Their cluster snapshots are one kind, in one store, against one
 * quota (ManualClusterSnapshots): the API and the snapshot are the same whatever the engine.
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
import { aws, awsErrorName } from '../../errors';
import { resourceTagsOf } from '../../tags';
import type { CheckResult, ResourceDriver } from '../driver';
import { rdsAccountQuota } from './account-quotas';
import { auroraClusterRestoreSettings, completeWriterClasses } from './aurora-cluster-restore';
import { CLUSTER_ENGINES, CLUSTER_WHAT, type ClusterType, clusterTypeOf } from './catalog';
import { rdsClient } from './client';
import { type RdsDriverSpec, rdsDriver, rdsPages } from './rds-driver';
import { checkDbSnapshot, stateRefusal, tagsToCopy } from './rds-snapshots';

export function checkClusterSnapshot(snapshot: DBClusterSnapshot): CheckResult {
  return checkDbSnapshot({
    Status: snapshot.Status,
    PercentProgress: snapshot.PercentProgress,
    DBSnapshotIdentifier: snapshot.DBClusterSnapshotIdentifier,
  });
}

const describeClusters = (region: string, id: string) =>
  rdsClient(region).send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }));

/** The spec of the cluster driver of `type` (its engines: clusterTypeOf). */
const clusterSpec = (type: ClusterType): RdsDriverSpec<DBCluster, DBClusterSnapshot> => ({
  type,
  quota: rdsAccountQuota('ManualClusterSnapshots', 'manual DB cluster snapshots'),
  what: CLUSTER_WHAT[type],
  owns: (cluster) => clusterTypeOf(cluster.Engine) === type,
  // DocumentDB and Neptune list their own engine's clusters only (the `engine` Filter DocumentDB's guide
  // gives): a page or two, however many Aurora clusters the region has. Aurora's engines are every other
  // (its own and the Multi-AZ DB clusters'), which no Filter names: it lists all and keeps its own.
  ...(type === 'aurora-cluster' ? {} : { discoverFilters: [{ Name: 'engine', Values: [...CLUSTER_ENGINES[type]] }] }),
  sources: {
    call: 'DescribeDBClusters',
    idFilter: 'db-cluster-id',
    one: async (region, id) => (await describeClusters(region, id)).DBClusters,
    pages: rdsPages(paginateDescribeDBClusters, (page) => page.DBClusters),
    arnOf: (cluster) => cluster.DBClusterArn,
    idOf: (cluster) => cluster.DBClusterIdentifier,
  },
  /** What Plan learns from a cluster's description: its encryption, the tags its snapshot copies, its restore settings. */
  // Typed by its engine: an ARN named as Aurora's may be a DocumentDB or Neptune cluster's.
  toDiscovered: (ref, cluster) => {
    const restoreSettings = auroraClusterRestoreSettings(cluster);
    return {
      ref: { ...ref, type: clusterTypeOf(cluster.Engine) },
      ...(cluster.StorageEncrypted ? { encrypted: true } : {}),
      sourceTags: tagsToCopy(cluster),
      resourceTags: resourceTagsOf(cluster.TagList),
      ...(restoreSettings ? { restoreSettings } : {}),
    };
  },
  // The writer's class: one batched DescribeDBInstances per 100 clusters.
  complete: completeWriterClasses,
  snapshots: {
    kind: 'rds-cluster-snapshot',
    noun: 'cluster snapshot',
    arnType: 'cluster-snapshot',
    call: 'DescribeDBClusterSnapshots',
    calls: { create: 'CreateDBClusterSnapshot', copy: 'CopyDBClusterSnapshot', delete: 'DeleteDBClusterSnapshot' },
    notFound: new Set(['DBClusterSnapshotNotFoundFault', 'DBClusterSnapshotNotFound']),
    alreadyExists: new Set(['DBClusterSnapshotAlreadyExistsFault', 'DBClusterSnapshotAlreadyExists']),
    one: async (region, id) =>
      (await rdsClient(region).send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: id })))
        .DBClusterSnapshots,
    pages: rdsPages(paginateDescribeDBClusterSnapshots, (page) => page.DBClusterSnapshots),
    idOf: (s) => s.DBClusterSnapshotIdentifier,
    sourceIdOf: (s) => s.DBClusterIdentifier,
    check: checkClusterSnapshot,
    async create(resource, identifier, tags) {
      await rdsClient(resource.region).send(
        new CreateDBClusterSnapshotCommand({
          DBClusterSnapshotIdentifier: identifier,
          DBClusterIdentifier: resource.id,
          Tags: tags,
        }),
      );
      // Its size is not reported for clusters.
      return undefined;
    },
    /**
     * Under the copyTo key when the cluster snapshot is encrypted. RDS cannot encrypt an unencrypted
     * cluster snapshot on copy and refuses a KmsKeyId for it (CopyDBClusterSnapshot), so its source is
     * described first (same identifier, source region) and an unencrypted one is copied without a key.
     */
    async copy(request, source, target, tags) {
      const [snapshot] =
        (
          await aws(`RDS DescribeDBClusterSnapshots ${target}`, () =>
            rdsClient(request.resource.region).send(
              new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: target }),
            ),
          )
        ).DBClusterSnapshots ?? [];
      const encrypted = snapshot?.StorageEncrypted !== false;
      // A cluster snapshot has no option group (CopyDBClusterSnapshot takes none): nothing to name.
      await rdsClient(request.region).send(
        new CopyDBClusterSnapshotCommand({
          SourceDBClusterSnapshotIdentifier: source,
          TargetDBClusterSnapshotIdentifier: target,
          ...(request.kmsKeyId && encrypted ? { KmsKeyId: request.kmsKeyId } : {}),
          Tags: tags,
        }),
      );
      return undefined;
    },
    remove: (region, id) =>
      rdsClient(region).send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: id })),
  },
  async refusedForState(resource, error) {
    if (awsErrorName(error) !== 'InvalidDBClusterStateFault') return undefined;
    const out = await aws(`RDS DescribeDBClusters ${resource.id}`, () =>
      describeClusters(resource.region, resource.id),
    );
    return stateRefusal(
      `${CLUSTER_WHAT[type]} ${resource.id}`,
      out.DBClusters?.[0]?.Status,
      error,
      `RDS CreateDBClusterSnapshot ${resource.id}`,
    );
  },
});

export const auroraClusterDriver = rdsDriver(clusterSpec('aurora-cluster'));
export const rdsClusterSnapshotStore = auroraClusterDriver.store;

/** The driver of a non-Aurora cluster type: Aurora's steps, its engines, the one cluster-snapshot store. */
export function clusterDriver(type: Exclude<ClusterType, 'aurora-cluster'>): ResourceDriver {
  return { ...rdsDriver(clusterSpec(type)), store: rdsClusterSnapshotStore };
}
