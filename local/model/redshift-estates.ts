/**
 * Redshift's part of the sandbox's estates (./estate-seeds.ts): the demo's provisioned cluster, which
 * copies its snapshots to the demo's DR region under a snapshot copy grant (set up as docs/backups.md
 * tells operators to), and an untagged one the demo leaves alone. No share of the generated fleet and no
 * retention backups: 20 manual snapshots a region by default would cap either long before their sizes.
 */
import type { Tag } from './core';
import type { TypeSeeds } from './estate-seeds';

/** The demo's DR region (local/estates/fleet.ts DR_REGION), where the demo cluster's snapshots are copied. */
const DEMO_DR_REGION = 'us-west-2';

/** The model's operations Redshift's seeds call (the facade answers them: ./estate-seeds.ts). */
export interface RedshiftSeedOps {
  addRedshiftCluster(
    region: string,
    c: { ClusterIdentifier: string; Tags?: Tag[]; sizeGiB?: number; KmsKeyId?: string },
  ): { ClusterIdentifier: string };
  addKmsKey(region: string, k: { alias?: string }): { Arn: string };
  createSnapshotCopyGrant(region: string, input: { SnapshotCopyGrantName?: string; KmsKeyId?: string }): unknown;
  enableSnapshotCopy(
    region: string,
    input: {
      ClusterIdentifier?: string;
      DestinationRegion?: string;
      ManualSnapshotRetentionPeriod?: number;
      SnapshotCopyGrantName?: string;
    },
  ): unknown;
}

export const REDSHIFT_ESTATE_SEEDS: readonly TypeSeeds<RedshiftSeedOps>[] = [
  {
    type: 'redshift-cluster',
    demo: {
      tagged: (model, region, tags) => {
        const key = model.addKmsKey(region, { alias: 'warehouse-data' });
        const cluster = model.addRedshiftCluster(region, {
          ClusterIdentifier: 'warehouse',
          sizeGiB: 800,
          KmsKeyId: key.Arn,
          Tags: tags('warehouse'),
        });
        if (region !== DEMO_DR_REGION) {
          const drKey = model.addKmsKey(DEMO_DR_REGION, { alias: 'warehouse-dr' });
          model.createSnapshotCopyGrant(DEMO_DR_REGION, { SnapshotCopyGrantName: 'warehouse-dr', KmsKeyId: drKey.Arn });
          model.enableSnapshotCopy(region, {
            ClusterIdentifier: cluster.ClusterIdentifier,
            DestinationRegion: DEMO_DR_REGION,
            // Kept until the pipeline's retention deletes them (by this stack's tags on the copy).
            ManualSnapshotRetentionPeriod: -1,
            SnapshotCopyGrantName: 'warehouse-dr',
          });
        }
        return [cluster.ClusterIdentifier];
      },
      untagged: (model, region, tags) => [
        model.addRedshiftCluster(region, { ClusterIdentifier: 'scratch-dw', Tags: tags('scratch-dw') })
          .ClusterIdentifier,
      ],
    },
  },
];
