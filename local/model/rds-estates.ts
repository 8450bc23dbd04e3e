/**
 * RDS's part of the sandbox's estates (./estate-seeds.ts): the demo's DB instances, Aurora clusters
 * (one chosen through its tagged member) and a DocumentDB and a Neptune cluster (one of each a block of the
 * generated fleet too), the generated fleet's DB instances, and the retention estate's
 * manual DB snapshots, named as the pipeline names its own.
 */
import { rdsSnapshotIdentifier } from '../../shared/services/rds/rds-snapshots';
import { arnPartition, type Tag } from './core';
import type { TypeSeeds } from './estate-seeds';
import type { DbClusterModel, DbInstanceModel, DbSnapshotModel } from './rds-state';

/** The model's operations RDS's seeds call (the facade answers them: ./estate-seeds.ts). */
export interface RdsSeedOps {
  addDbInstance(region: string, d: Partial<DbInstanceModel> & { DBInstanceIdentifier: string }): DbInstanceModel;
  addDbCluster(
    region: string,
    c: Partial<Omit<DbClusterModel, 'memberIds'>> & {
      DBClusterIdentifier: string;
      members?: number;
      memberTags?: Tag[];
    },
  ): DbClusterModel;
  addExistingDbSnapshot(
    region: string,
    s: Partial<DbSnapshotModel> & { DBSnapshotIdentifier: string; DBInstanceIdentifier: string; startMs: number },
  ): DbSnapshotModel;
  dbSnapshots(region: string): readonly { DBSnapshotIdentifier?: string }[];
}

export const RDS_ESTATE_SEEDS: readonly TypeSeeds<RdsSeedOps>[] = [
  {
    type: 'rds-instance',
    demo: {
      // One large, one MySQL.
      tagged: (model, region, tags) =>
        [
          model.addDbInstance(region, {
            DBInstanceIdentifier: 'orders',
            AllocatedStorage: 200,
            TagList: tags('orders'),
          }),
          model.addDbInstance(region, {
            DBInstanceIdentifier: 'customers',
            AllocatedStorage: 100,
            Engine: 'mysql',
            TagList: tags('customers'),
          }),
          model.addDbInstance(region, {
            DBInstanceIdentifier: 'analytics',
            AllocatedStorage: 2000,
            TagList: tags('analytics'),
          }),
        ].map((d) => d.DBInstanceIdentifier),
      untagged: (model, region, tags) => [
        model.addDbInstance(region, { DBInstanceIdentifier: 'sandbox', TagList: tags('sandbox') }).DBInstanceIdentifier,
      ],
      regional: (model, region, tags) => {
        const id = `orders-${region}`;
        model.addDbInstance(region, { DBInstanceIdentifier: id, AllocatedStorage: 100, TagList: tags(id) });
        return [id];
      },
    },
    generated: {
      perBlock: 3,
      add: (model, region, n, tags, duration) => {
        const id = `gen-db-${n}`;
        model.addDbInstance(region, { DBInstanceIdentifier: id, TagList: tags, snapshotSeconds: duration() });
        return id;
      },
    },
    retention: {
      backupsPerDay: 1,
      estateShare: 0.1,
      seed: (model, d, ctx) => {
        const { region } = ctx;
        const dbId = `db-${region}-${d}`;
        const source = `arn:${arnPartition(region)}:rds:${region}:${ctx.accountId}:db:${dbId}`;
        for (let day = 0; day < ctx.days; day++) {
          const runId = `run-d${day}`;
          const id = rdsSnapshotIdentifier(runId, dbId);
          model.addExistingDbSnapshot(region, {
            DBSnapshotIdentifier: id,
            DBInstanceIdentifier: dbId,
            startMs: ctx.createdOn(day),
            TagList: ctx.tags(source, runId, ctx.createdOn(day)),
          });
          ctx.owned(id, day);
        }
      },
      present: (model, region) =>
        model.dbSnapshots(region).flatMap((s) => (s.DBSnapshotIdentifier ? [s.DBSnapshotIdentifier] : [])),
    },
  },
  {
    type: 'aurora-cluster',
    demo: {
      tagged: (model, region, tags) =>
        [
          model.addDbCluster(region, { DBClusterIdentifier: 'ledger', volumeGiB: 300, TagList: tags('ledger') }),
          // Tagged on the member operators see in the console, not on the cluster: backed up once, per cluster.
          model.addDbCluster(region, {
            DBClusterIdentifier: 'payments',
            volumeGiB: 150,
            memberTags: tags('payments-1'),
          }),
        ].map((c) => c.DBClusterIdentifier),
    },
  },
  {
    type: 'docdb-cluster',
    demo: {
      tagged: (model, region, tags) => [
        model.addDbCluster(region, {
          DBClusterIdentifier: 'catalog',
          Engine: 'docdb',
          volumeGiB: 120,
          members: 1,
          TagList: tags('catalog'),
        }).DBClusterIdentifier,
      ],
    },
    // One a block of the generated fleet (the bench's mixed fleet): a cluster with its writer.
    generated: {
      perBlock: 1,
      add: (model, region, n, tags, duration) =>
        model.addDbCluster(region, {
          DBClusterIdentifier: `gen-docdb-${n}`,
          Engine: 'docdb',
          members: 1,
          TagList: tags,
          snapshotSeconds: duration(),
        }).DBClusterIdentifier,
    },
  },
  {
    type: 'neptune-cluster',
    demo: {
      tagged: (model, region, tags) => [
        model.addDbCluster(region, {
          DBClusterIdentifier: 'graph',
          Engine: 'neptune',
          volumeGiB: 80,
          members: 1,
          TagList: tags('graph'),
        }).DBClusterIdentifier,
      ],
    },
    // One a block of the generated fleet (the bench's mixed fleet): a cluster with its writer.
    generated: {
      perBlock: 1,
      add: (model, region, n, tags, duration) =>
        model.addDbCluster(region, {
          DBClusterIdentifier: `gen-neptune-${n}`,
          Engine: 'neptune',
          members: 1,
          TagList: tags,
          snapshotSeconds: duration(),
        }).DBClusterIdentifier,
    },
  },
];
