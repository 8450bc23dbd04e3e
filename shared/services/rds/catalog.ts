/**
 * RDS's part of the catalog (../catalog.ts): DB instances and the RDS-family clusters (Aurora, DocumentDB,
 * Neptune: one API, told apart by Engine: clusterTypeOf below), their ARNs and labels,
 * the RDS snapshot price, the backup kinds this folder's stores hold, the placement its restores read,
 * the error codes RDS answers with and the runbook's steps for its causes. Data only: read at module
 * load by shared/resource.ts and shared/errors.ts.
 */
import { z } from 'zod';
import type { ServiceCatalog } from '../catalog-types';
import { RDS_IMPLIED_ACTIONS, RDS_PERMISSIONS } from './permissions';

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
    // DocumentDB and Neptune clusters are RDS clusters of engine docdb / neptune, under the same ARN
    // (`cluster:<id>`): an ARN parses as Aurora's (the first pattern) and its description's Engine retypes
    // it (clusterTypeOf below). Their snapshots are RDS cluster snapshots, kept in the same store.
    {
      type: 'docdb-cluster',
      arn: { service: 'rds', prefix: 'cluster:', resource: /^cluster:([a-zA-Z][a-zA-Z0-9-]{0,62})$/ },
      label: 'DocumentDB clusters',
      // Like Aurora's, its cluster snapshots report no size: the run report lists them as not estimated.
      isolatedBy: ['dbSubnetGroupName', 'securityGroupIds'],
    },
    {
      type: 'neptune-cluster',
      arn: { service: 'rds', prefix: 'cluster:', resource: /^cluster:([a-zA-Z][a-zA-Z0-9-]{0,62})$/ },
      label: 'Neptune clusters',
      isolatedBy: ['dbSubnetGroupName', 'securityGroupIds'],
    },
  ],
  backupKinds: ['rds-snapshot', 'rds-cluster-snapshot'],
  // Where a restored DB instance or cluster goes in its region: a drill's isolated DB subnet group and VPC
  // security groups, and the region's own parameter, cluster parameter and option groups.
  placement: {
    /** The zone a restored DB instance is created in (else the source's, in its region). */
    availabilityZone: z.string().min(1).optional(),
    /** The VPC security groups of a restored DB instance or cluster. */
    securityGroupIds: z.array(z.string().min(1)).min(1).optional(),
    dbSubnetGroupName: z.string().min(1).optional(),
    dbParameterGroupName: z.string().min(1).optional(),
    dbClusterParameterGroupName: z.string().min(1).optional(),
    optionGroupName: z.string().min(1).optional(),
  },
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
  runbook: [
    {
      // Plan's refusal of a backup its quota (./account-quotas.ts) has no room left for
      // (shared/workflow/backup/plan-quotas.ts).
      error: 'QuotaExceededError',
      reason: /^quota: /,
      next: "Plan found no room left in the region's quota (the reason gives the numbers) and made nothing: delete old manual snapshots there, lower the tier's retentionDays or keepLast, or request a higher quota",
      section: 'Quota reached (RDS manual snapshots)',
    },
    {
      // AWS's refusal at the start (SnapshotQuotaExceeded): the quota error no other cause above names.
      error: 'QuotaExceededError',
      next: "100 manual RDS snapshots in the region: lower the tier's retentionDays or keepLast, or request a higher quota",
      section: 'Quota reached (RDS manual snapshots)',
    },
  ],
  permissions: RDS_PERMISSIONS,
  impliedActions: RDS_IMPLIED_ACTIONS,
} as const satisfies ServiceCatalog;

export function auroraClusterArn(partition: string, region: string, accountId: string, id: string): string {
  return `arn:${partition}:rds:${region}:${accountId}:cluster:${id}`;
}

/**
 * The RDS cluster engines that are not Aurora, by the type that backs them up. DescribeDBClusters and
 * DescribeDBInstances answer every engine of the RDS family ("can also return information for Amazon
 * Neptune DB instances and Amazon DocumentDB instances", RDS API reference DescribeDBClusters), so each
 * cluster driver keeps its own engines, and Aurora every other (its engines and the Multi-AZ DB clusters
 * it has always taken).
 */
export const CLUSTER_ENGINES = { 'docdb-cluster': ['docdb'], 'neptune-cluster': ['neptune'] } as const;
export type ClusterType = 'aurora-cluster' | keyof typeof CLUSTER_ENGINES;

/** The type that backs up an RDS cluster (or a member's cluster) of `engine`. */
export function clusterTypeOf(engine: string | undefined): ClusterType {
  for (const [type, engines] of Object.entries(CLUSTER_ENGINES) as [ClusterType, readonly string[]][])
    if (engine !== undefined && engines.includes(engine)) return type;
  return 'aurora-cluster';
}

/** How messages name a cluster of each type. */
export const CLUSTER_WHAT: Readonly<Record<ClusterType, string>> = {
  'aurora-cluster': 'Aurora cluster',
  'docdb-cluster': 'DocumentDB cluster',
  'neptune-cluster': 'Neptune cluster',
};
