/**
 * ElastiCache's part of the catalog (../catalog.ts): node-based Valkey and Redis OSS replication groups,
 * their ARN and label, the backup kind this folder's store holds (manual snapshots), the error codes
 * ElastiCache answers with (each by its wire code and by the SDK's class name) and the runbook's steps.
 * Memcached clusters are no type: ElastiCache backs up only Valkey, Redis OSS and serverless caches
 * ("Snapshot and restore", Backup constraints), so discovery reports a tagged one SKIPPED with that reason.
 */
import { z } from 'zod';
import type { ServiceCatalog } from '../catalog-types';
import { ELASTICACHE_IMPLIED_ACTIONS, ELASTICACHE_PERMISSIONS } from './permissions';

export const elasticacheCatalog = {
  service: 'elasticache',
  types: [
    {
      type: 'elasticache-replication-group',
      // A replication group's ARN (its id: 1 to 40 characters, stored in lower case).
      arn: {
        service: 'elasticache',
        prefix: 'replicationgroup:',
        resource: /^replicationgroup:([a-z][a-z0-9-]{0,39})$/,
      },
      label: 'ElastiCache replication groups',
      countLabel: 'cache replication groups',
      // A drill's restored group joins the subnet group and security groups the drill names.
      isolatedBy: ['cacheSubnetGroupName', 'securityGroupIds'],
    },
  ],
  backupKinds: ['elasticache-snapshot'],
  errorCodes: {
    throttling: ['APICallRateForCustomerExceeded', 'APICallRateForCustomerExceededFault'],
    // 20 manual snapshots per node in any 24 hours: waiting a day is no retry.
    quotas: ['SnapshotQuotaExceededFault'],
    notFound: [
      'ReplicationGroupNotFoundFault',
      'CacheClusterNotFound',
      'CacheClusterNotFoundFault',
      'SnapshotNotFoundFault',
    ],
    invalidState: [
      'InvalidReplicationGroupState',
      'InvalidReplicationGroupStateFault',
      'InvalidCacheClusterState',
      'InvalidCacheClusterStateFault',
      'InvalidSnapshotState',
      'InvalidSnapshotStateFault',
      'SnapshotFeatureNotSupportedFault',
    ],
    nameInUse: ['ReplicationGroupAlreadyExists', 'ReplicationGroupAlreadyExistsFault'],
  },
  // Where a restored replication group goes in its region: a drill's isolated cache subnet group and VPC
  // security groups (elsewhere than the source's region, the recorded ones do not exist).
  placement: {
    /** The VPC security groups of a restored DB instance or cluster, or cache replication group. */
    securityGroupIds: z.array(z.string().min(1)).min(1).optional(),
    /** The cache subnet group a restored replication group is created in (else the source's, in its region). */
    cacheSubnetGroupName: z.string().min(1).optional(),
  },
  runbook: [
    {
      error: 'QuotaExceededError',
      // AWS's refusal names the call (errors.ts aws()): RDS answers the same fault name for its own quota.
      reason: /ElastiCache CreateSnapshot .*SnapshotQuotaExceeded/,
      next: 'ElastiCache allows 20 manual snapshots per node in 24 hours: run fewer tiers a day for this group',
      section: 'A backup failed',
    },
  ],
  permissions: ELASTICACHE_PERMISSIONS,
  impliedActions: ELASTICACHE_IMPLIED_ACTIONS,
} as const satisfies ServiceCatalog;

export function replicationGroupArn(partition: string, region: string, accountId: string, id: string): string {
  return `arn:${partition}:elasticache:${region}:${accountId}:replicationgroup:${id}`;
}
