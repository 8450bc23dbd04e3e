/**
 * RDS's part of the catalog (../catalog.ts): DB instances and Aurora clusters, their ARNs and labels,
 * the RDS snapshot price, the backup kinds this folder's stores hold, and the error codes RDS answers
 * with. Data only: read at module load by shared/resource.ts and shared/errors.ts.
 */
import type { ServiceCatalog } from '../catalog-types';
import { RDS_PERMISSIONS } from './permissions';

export const rdsCatalog = {
  service: 'rds',
  types: [
    {
      type: 'rds-instance',
      arn: { service: 'rds', prefix: 'db:', resource: /^db:([a-zA-Z][a-zA-Z0-9-]{0,62})$/ },
      label: 'RDS DB instances',
      countLabel: 'RDS instances',
      // Snapshot storage beyond the free allowance.
      storagePrice: { backup: 'RDS snapshot', usdPerGbMonth: 0.095 },
      isolatedBy: ['dbSubnetGroupName', 'securityGroupIds'],
    },
    {
      type: 'aurora-cluster',
      arn: { service: 'rds', prefix: 'cluster:', resource: /^cluster:([a-zA-Z][a-zA-Z0-9-]{0,62})$/ },
      label: 'Aurora DB clusters',
      countLabel: 'Aurora clusters',
      isolatedBy: ['dbSubnetGroupName', 'securityGroupIds'],
    },
  ],
  backupKinds: ['rds-snapshot', 'rds-cluster-snapshot'],
  // CopyDB(Cluster)Snapshot under the copyTo key; restores under the snapshot's key; an encrypted cluster's writer (CreateDBInstance, at Check).
  keyUse: { copies: true, restores: true, restoreChecks: true },
  errorCodes: {
    // The 100 manual snapshots per region (a copy limit that passes is told apart in ./rds-snapshots.ts).
    quotas: ['SnapshotQuotaExceeded', 'SnapshotQuotaExceededFault', 'DBSnapshotQuotaExceeded'],
    notFound: [
      'DBInstanceNotFound',
      'DBInstanceNotFoundFault',
      'DBSnapshotNotFound',
      'DBSnapshotNotFoundFault',
      'DBClusterNotFoundFault',
      'DBClusterSnapshotNotFoundFault',
      // A restore naming a subnet, parameter or option group the region does not have.
      'DBSubnetGroupNotFoundFault',
      'DBParameterGroupNotFound',
      'DBParameterGroupNotFoundFault',
      'DBClusterParameterGroupNotFound',
      'DBClusterParameterGroupNotFoundFault',
      'OptionGroupNotFoundFault',
    ],
    invalidState: [
      'InvalidDBInstanceState',
      'InvalidDBInstanceStateFault',
      'InvalidDBSnapshotState',
      'InvalidDBSnapshotStateFault',
      'InvalidDBClusterStateFault',
      'InvalidDBClusterSnapshotStateFault',
    ],
    nameInUse: ['DBInstanceAlreadyExists', 'DBInstanceAlreadyExistsFault', 'DBClusterAlreadyExistsFault'],
  },
  permissions: RDS_PERMISSIONS,
} as const satisfies ServiceCatalog;

export function auroraClusterArn(partition: string, region: string, accountId: string, id: string): string {
  return `arn:${partition}:rds:${region}:${accountId}:cluster:${id}`;
}
