/**
 * Redshift's part of the catalog (../catalog.ts): provisioned clusters, their ARN and labels, the manual
 * snapshot price, the backup kind this folder's store holds, the placement its restores read, the error
 * codes Redshift answers with and the runbook's steps for its causes. Data only: read at module load.
 */
import { z } from 'zod';
import type { ServiceCatalog } from '../catalog-types';
import { REDSHIFT_IMPLIED_ACTIONS, REDSHIFT_PERMISSIONS } from './permissions';

export const redshiftCatalog = {
  service: 'redshift',
  types: [
    {
      type: 'redshift-cluster',
      // Redshift's ARN of a cluster: arn:<partition>:redshift:<region>:<account>:cluster:<identifier>.
      arn: { service: 'redshift', prefix: 'cluster:', resource: /^cluster:([a-z][a-z0-9-]{0,62})$/ },
      label: 'Redshift clusters',
      // Manual snapshots are billed as Redshift Managed Storage backup (us-east-1).
      storagePrice: { backup: 'Redshift manual snapshot', usdPerGbMonth: 0.024 },
      isolatedBy: ['clusterSubnetGroupName', 'securityGroupIds'],
    },
  ],
  backupKinds: ['redshift-snapshot'],
  // Where a restored cluster goes in its region: a drill's isolated cluster subnet group and VPC security
  // groups (regional names: the source's recorded ones exist only in its region).
  placement: {
    /** The zone a restored cluster is created in (else the source's, in its region). */
    availabilityZone: z.string().min(1).optional(),
    /** The VPC security groups of a restored cluster. */
    securityGroupIds: z.array(z.string().min(1)).min(1).optional(),
    clusterSubnetGroupName: z.string().min(1).optional(),
  },
  errorCodes: {
    // "The request would result in the user exceeding the allowed number of cluster snapshots" (20 a region).
    quotas: ['ClusterSnapshotQuotaExceeded', 'ClusterSnapshotQuotaExceededFault', 'ClusterQuotaExceeded'],
    notFound: [
      'ClusterNotFound',
      'ClusterNotFoundFault',
      'ClusterSnapshotNotFound',
      'ClusterSnapshotNotFoundFault',
      // A restore naming a cluster subnet group the region does not have.
      'ClusterSubnetGroupNotFoundFault',
    ],
    invalidState: [
      'InvalidClusterState',
      'InvalidClusterStateFault',
      'InvalidClusterSnapshotState',
      'InvalidClusterSnapshotStateFault',
    ],
    nameInUse: ['ClusterAlreadyExists', 'ClusterAlreadyExistsFault'],
  },
  runbook: [
    {
      error: 'QuotaExceededError',
      reason: /ClusterSnapshotQuotaExceeded/,
      next: "Redshift's manual snapshots quota (20 a region by default) is reached: delete old manual snapshots, lower the tier's retentionDays or keepLast, or request a higher quota",
      section: 'Quota reached (Redshift manual snapshots)',
    },
  ],
  permissions: REDSHIFT_PERMISSIONS,
  impliedActions: REDSHIFT_IMPLIED_ACTIONS,
} as const satisfies ServiceCatalog;

export function redshiftClusterArn(partition: string, region: string, accountId: string, id: string): string {
  return `arn:${partition}:redshift:${region}:${accountId}:cluster:${id}`;
}

export function redshiftSnapshotArn(partition: string, region: string, accountId: string, cluster: string, id: string) {
  return `arn:${partition}:redshift:${region}:${accountId}:snapshot:${cluster}/${id}`;
}
