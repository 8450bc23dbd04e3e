/**
 * RDS's IAM needs (DB instances, Aurora clusters, their snapshots), as data: Describe calls on '*',
 * snapshots created, tagged, copied and deleted only under the project's own identifiers (bp-...),
 * and deletes only on snapshots tagged managed-by this stack.
 */
import { RDS_SNAPSHOT_PREFIX } from '../../names';
import { ownerTagValue, TAG } from '../../tags';
import { ACCOUNT, PARTITION, type PermissionSet, REGION, STACK_NAME } from '../permission-set';

const rdsArn = (resource: string) => `arn:${PARTITION}:rds:*:${ACCOUNT}:${resource}`;
const DATABASES = rdsArn('db:*');
const CLUSTERS = rdsArn('cluster:*');
const SNAPSHOTS = rdsArn(`snapshot:${RDS_SNAPSHOT_PREFIX}*`);
const CLUSTER_SNAPSHOTS = rdsArn(`cluster-snapshot:${RDS_SNAPSHOT_PREFIX}*`);

/** RDS's own condition keys for a snapshot's tags (it does not evaluate aws:ResourceTag on them). */
const owners = [ownerTagValue(STACK_NAME, REGION), STACK_NAME];
const ownedOnly = (kind: 'snapshot' | 'cluster-snapshot') => ({
  StringEquals: { [`rds:${kind}-tag/${TAG.managedBy}`]: owners },
});

const DESCRIBE_SNAPSHOTS = ['rds:DescribeDBSnapshots', 'rds:DescribeDBClusterSnapshots'];
const COPY_IDENTIFIERS =
  'Copy identifiers are derived per run in each destination region, all with the project prefix.';

export const RDS_PERMISSIONS: PermissionSet = {
  'plan-run': { grants: [{ actions: ['rds:DescribeDBInstances', 'rds:DescribeDBClusters'], resources: ['*'] }] },
  'start-backup': {
    grants: [
      {
        // Before a snapshot: the instance's or cluster's tags and CopyTagsToSnapshot (copied explicitly,
        // since RDS copies none once Tags are passed); after a refusal: does its state pass (retry) or not?
        actions: ['rds:DescribeDBInstances', 'rds:DescribeDBClusters', ...DESCRIBE_SNAPSHOTS],
        resources: ['*'],
      },
      { actions: ['rds:CreateDBSnapshot'], resources: [DATABASES, SNAPSHOTS] },
      // Tags only on the project's own snapshot identifiers, never on a database or another snapshot.
      { actions: ['rds:AddTagsToResource'], resources: [SNAPSHOTS, CLUSTER_SNAPSHOTS] },
      { actions: ['rds:CreateDBClusterSnapshot'], resources: [CLUSTERS, CLUSTER_SNAPSHOTS] },
    ],
    wildcards: {
      [DATABASES]: 'The databases to back up are chosen at run time by tag or ARN from the whole account.',
      [SNAPSHOTS]:
        'Snapshot identifiers are derived per run with the project prefix; only those are creatable and taggable.',
      [CLUSTERS]: 'The Aurora clusters to back up are chosen at run time by tag, member or ARN from the whole account.',
      [CLUSTER_SNAPSHOTS]:
        'Cluster snapshot identifiers are derived per run with the project prefix; only those are creatable and taggable.',
    },
  },
  'check-backup': { grants: [{ actions: DESCRIBE_SNAPSHOTS, resources: ['*'] }] },
  'apply-retention': {
    grants: [
      { actions: DESCRIBE_SNAPSHOTS, resources: ['*'] },
      { actions: ['rds:DeleteDBSnapshot'], resources: [SNAPSHOTS], conditions: ownedOnly('snapshot') },
      {
        actions: ['rds:DeleteDBClusterSnapshot'],
        resources: [CLUSTER_SNAPSHOTS],
        conditions: ownedOnly('cluster-snapshot'),
      },
    ],
    wildcards: {
      [SNAPSHOTS]:
        'DeleteDBSnapshot is allowed only on the project-prefixed snapshots tagged backup-pipeline:managed-by = this stack (rds:snapshot-tag condition).',
      [CLUSTER_SNAPSHOTS]:
        'DeleteDBClusterSnapshot is allowed only on the project-prefixed cluster snapshots tagged backup-pipeline:managed-by = this stack (rds:cluster-snapshot-tag condition).',
    },
  },
  'start-copies': {
    grants: [
      { actions: DESCRIBE_SNAPSHOTS, resources: ['*'] },
      {
        // Only the project's own identifiers (bp-...): the source and the copy carry the same one.
        actions: ['rds:CopyDBSnapshot', 'rds:CopyDBClusterSnapshot', 'rds:AddTagsToResource'],
        resources: [SNAPSHOTS, CLUSTER_SNAPSHOTS],
      },
    ],
    wildcards: { [SNAPSHOTS]: COPY_IDENTIFIERS, [CLUSTER_SNAPSHOTS]: COPY_IDENTIFIERS },
  },
  'check-copies': { grants: [{ actions: DESCRIBE_SNAPSHOTS, resources: ['*'] }] },
};
