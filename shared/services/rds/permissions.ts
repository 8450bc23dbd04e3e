/**
 * RDS's IAM needs (DB instances, Aurora clusters, their snapshots), as data: Describe calls on '*',
 * snapshots created, tagged, copied and deleted only under the project's own identifiers (bp-...),
 * and deletes only on snapshots tagged managed-by this stack.
 */
import { RDS_SNAPSHOT_PREFIX } from '../../names';
import { ownerTagValue, RESTORE_TAG, TAG } from '../../tags';
import { ACCOUNT, type ImpliedActions, PARTITION, type PermissionSet, REGION, STACK_NAME } from '../permission-set';

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

const SUBNET_GROUPS = rdsArn('subgrp:*');
const OPTION_GROUPS = rdsArn('og:*');
const PARAMETER_GROUPS = rdsArn('pg:*');
const CLUSTER_PARAMETER_GROUPS = rdsArn('cluster-pg:*');
/** A drill's clean-up deletes only what this stack restored for a drill (RDS's own tag condition keys). */
const restoredByADrill = (kind: 'db' | 'cluster') => ({
  StringEquals: {
    [`rds:${kind}-tag/${RESTORE_TAG.restoredBy}`]: ownerTagValue(STACK_NAME, REGION),
    [`rds:${kind}-tag/${RESTORE_TAG.drill}`]: 'true',
  },
});
const RESTORED_NAMES = 'A restored database or cluster is named by the operator or the drill at run time.';

const DESCRIBE_SNAPSHOTS = ['rds:DescribeDBSnapshots', 'rds:DescribeDBClusterSnapshots'];
const COPY_IDENTIFIERS =
  'Copy identifiers are derived per run in each destination region, all with the project prefix.';

export const RDS_PERMISSIONS: PermissionSet = {
  'plan-run': {
    grants: [
      // DescribeAccountAttributes: the manual-snapshot quotas' use, checked before any create (plan-quotas.ts).
      {
        actions: ['rds:DescribeDBInstances', 'rds:DescribeDBClusters', 'rds:DescribeAccountAttributes'],
        resources: ['*'],
      },
    ],
  },
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
  // Restores: a DB instance from a snapshot, a cluster from a cluster snapshot and its writer (made by
  // check once the cluster is available), tagged as they are made; a drill's clean-up deletes only what
  // carries this stack's restored-by and drill tags.
  'start-restore': {
    grants: [
      { actions: ['rds:DescribeDBInstances', 'rds:DescribeDBClusters'], resources: ['*'] },
      {
        actions: ['rds:RestoreDBInstanceFromDBSnapshot'],
        resources: [DATABASES, SNAPSHOTS, SUBNET_GROUPS, OPTION_GROUPS, PARAMETER_GROUPS],
      },
      {
        actions: ['rds:RestoreDBClusterFromSnapshot'],
        resources: [CLUSTERS, CLUSTER_SNAPSHOTS, SUBNET_GROUPS, CLUSTER_PARAMETER_GROUPS],
      },
      { actions: ['rds:AddTagsToResource'], resources: [DATABASES, CLUSTERS] },
    ],
    wildcards: {
      [DATABASES]: RESTORED_NAMES,
      [CLUSTERS]: RESTORED_NAMES,
      [SNAPSHOTS]: 'Only the project-prefixed snapshots this stack made are restored.',
      [CLUSTER_SNAPSHOTS]: 'Only the project-prefixed cluster snapshots this stack made are restored.',
      [SUBNET_GROUPS]: "The recorded or the drill's DB subnet group, known at run time.",
      [OPTION_GROUPS]: "The source's option group as recorded, known at run time.",
      [PARAMETER_GROUPS]: "The source's parameter group as recorded, known at run time.",
      [CLUSTER_PARAMETER_GROUPS]: "The source cluster's parameter group, known at run time.",
    },
  },
  'check-restore': {
    grants: [
      { actions: ['rds:DescribeDBInstances', 'rds:DescribeDBClusters'], resources: ['*'] },
      { actions: ['rds:CreateDBInstance'], resources: [DATABASES, CLUSTERS, SUBNET_GROUPS, PARAMETER_GROUPS] },
      { actions: ['rds:AddTagsToResource'], resources: [DATABASES] },
    ],
    wildcards: {
      [DATABASES]: "The restored cluster's writer is named after the restore at run time.",
      [CLUSTERS]: 'The restored cluster is named by the operator or the drill at run time.',
      [SUBNET_GROUPS]: "The restored cluster's DB subnet group, known at run time.",
      [PARAMETER_GROUPS]: "The writer's parameter group, known at run time.",
    },
  },
  'clean-up-restore': {
    grants: [
      { actions: ['rds:DescribeDBInstances', 'rds:DescribeDBClusters'], resources: ['*'] },
      { actions: ['rds:DeleteDBInstance'], resources: [DATABASES], conditions: restoredByADrill('db') },
      { actions: ['rds:DeleteDBCluster'], resources: [CLUSTERS], conditions: restoredByADrill('cluster') },
    ],
    wildcards: {
      [DATABASES]:
        'DeleteDBInstance only on instances tagged restored-by = this stack and drill = true (rds:db-tag conditions).',
      [CLUSTERS]:
        'DeleteDBCluster only on clusters tagged restored-by = this stack and drill = true (rds:cluster-tag conditions).',
    },
  },
};

const TAGGED = [{ action: 'rds:AddTagsToResource' }];

/** What AWS evaluates on RDS calls' behalf (../permission-set.ts ImpliedActions). */
export const RDS_IMPLIED_ACTIONS: ImpliedActions = {
  // Tags on a copy (Tags, CopyTags) are authorized as AddTagsToResource. (The key RDS uses for a copy
  // or a restore is not listed here: the model asks for each use as it happens.)
  'rds:CopyDBSnapshot': TAGGED,
  'rds:CopyDBClusterSnapshot': TAGGED,
  // Tags on CreateDBSnapshot / CreateDBClusterSnapshot are authorized as AddTagsToResource.
  'rds:CreateDBSnapshot': TAGGED,
  'rds:CreateDBClusterSnapshot': TAGGED,
  // A restore's (and an Aurora cluster's writer's) tags likewise.
  'rds:RestoreDBInstanceFromDBSnapshot': TAGGED,
  'rds:RestoreDBClusterFromSnapshot': TAGGED,
  'rds:CreateDBInstance': TAGGED,
};
