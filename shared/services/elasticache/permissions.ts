/**
 * ElastiCache's IAM needs (replication groups, their manual snapshots, restores), as data. Describe calls
 * take no resource-level permission ('*'). Snapshots are created, tagged and deleted only under the
 * project's own name prefix (bp-), and deleted only when tagged managed-by this stack (aws:ResourceTag,
 * which ElastiCache evaluates on its resources: "Using condition keys" in the ElastiCache user guide). A
 * create that carries Tags is also authorized as elasticache:AddTagsToResource ("Tagging your
 * ElastiCache resources": tag on create needs both).
 */
import { ownerTagValue, RESTORE_TAG, TAG } from '../../tags';
import { ACCOUNT, type ImpliedActions, PARTITION, type PermissionSet, REGION, STACK_NAME } from '../permission-set';

/** Every snapshot this pipeline makes is named so (./replication-group.ts elasticacheSnapshotName). */
export const ELASTICACHE_SNAPSHOT_PREFIX = 'bp-';

const cacheArn = (resource: string) => `arn:${PARTITION}:elasticache:*:${ACCOUNT}:${resource}`;
const GROUPS = cacheArn('replicationgroup:*');
const CLUSTERS = cacheArn('cluster:*');
const OUR_SNAPSHOTS = cacheArn(`snapshot:${ELASTICACHE_SNAPSHOT_PREFIX}*`);
const PARAMETER_GROUPS = cacheArn('parametergroup:*');
const SUBNET_GROUPS = cacheArn('subnetgroup:*');

const ownedOnly = {
  StringEquals: { [`aws:ResourceTag/${TAG.managedBy}`]: [ownerTagValue(STACK_NAME, REGION), STACK_NAME] },
};
const restoredByADrill = {
  StringEquals: {
    [`aws:ResourceTag/${RESTORE_TAG.restoredBy}`]: ownerTagValue(STACK_NAME, REGION),
    [`aws:ResourceTag/${RESTORE_TAG.drill}`]: 'true',
  },
};

const CHOSEN_AT_RUN_TIME = 'The replication groups to back up are chosen at run time by tag or ARN.';
const OUR_NAMES = 'Snapshots are named at run time, always under the project prefix bp-.';
const RESTORED_NAMES = 'A restored replication group is named by the operator or the drill at run time.';

export const ELASTICACHE_PERMISSIONS: PermissionSet = {
  'plan-run': {
    grants: [
      { actions: ['elasticache:DescribeReplicationGroups', 'elasticache:DescribeCacheClusters'], resources: ['*'] },
      { actions: ['elasticache:ListTagsForResource'], resources: [GROUPS, CLUSTERS] },
    ],
    wildcards: { [GROUPS]: CHOSEN_AT_RUN_TIME, [CLUSTERS]: CHOSEN_AT_RUN_TIME },
  },
  // Start reads the group's members at the moment of the backup (a failover may have swapped primary and
  // replica since Plan) and snapshots a read replica's node, the group itself when cluster mode is on.
  'start-backup': {
    grants: [
      { actions: ['elasticache:DescribeReplicationGroups', 'elasticache:DescribeSnapshots'], resources: ['*'] },
      { actions: ['elasticache:CreateSnapshot'], resources: [OUR_SNAPSHOTS, GROUPS, CLUSTERS] },
      { actions: ['elasticache:AddTagsToResource'], resources: [OUR_SNAPSHOTS] },
    ],
    wildcards: { [OUR_SNAPSHOTS]: OUR_NAMES, [GROUPS]: CHOSEN_AT_RUN_TIME, [CLUSTERS]: CHOSEN_AT_RUN_TIME },
  },
  'check-backup': {
    grants: [{ actions: ['elasticache:DescribeSnapshots'], resources: ['*'] }],
  },
  'apply-retention': {
    grants: [
      { actions: ['elasticache:DescribeSnapshots'], resources: ['*'] },
      { actions: ['elasticache:ListTagsForResource'], resources: [OUR_SNAPSHOTS] },
      { actions: ['elasticache:DeleteSnapshot'], resources: [OUR_SNAPSHOTS], conditions: ownedOnly },
    ],
    wildcards: {
      [OUR_SNAPSHOTS]:
        'DeleteSnapshot is allowed only on the project-prefixed snapshots tagged backup-pipeline:managed-by = this stack (aws:ResourceTag condition).',
    },
  },
  // A restore makes a new replication group from the snapshot (CreateReplicationGroup with SnapshotName),
  // tagged with the restore tags in the same call; a retried start and the clean-up read its tags
  // (DescribeReplicationGroups shows none), and clean-up deletes only a group a drill of this stack restored.
  'start-restore': {
    grants: [
      { actions: ['elasticache:DescribeReplicationGroups'], resources: ['*'] },
      { actions: ['elasticache:ListTagsForResource'], resources: [GROUPS] },
      {
        actions: ['elasticache:CreateReplicationGroup'],
        resources: [GROUPS, CLUSTERS, OUR_SNAPSHOTS, PARAMETER_GROUPS, SUBNET_GROUPS],
      },
      { actions: ['elasticache:AddTagsToResource'], resources: [GROUPS] },
    ],
    wildcards: {
      [GROUPS]: RESTORED_NAMES,
      [CLUSTERS]: 'The restored group creates its nodes, named by ElastiCache after the group.',
      [OUR_SNAPSHOTS]: 'The snapshot restored is chosen at run time from the restore points this stack recorded.',
      [PARAMETER_GROUPS]: 'The restored group takes the engine default parameter group of its region.',
      [SUBNET_GROUPS]: "The restored group joins the source's or the drill's cache subnet group, chosen at run time.",
    },
  },
  'check-restore': { grants: [{ actions: ['elasticache:DescribeReplicationGroups'], resources: ['*'] }] },
  'clean-up-restore': {
    grants: [
      { actions: ['elasticache:DescribeReplicationGroups'], resources: ['*'] },
      { actions: ['elasticache:ListTagsForResource'], resources: [GROUPS] },
      { actions: ['elasticache:DeleteReplicationGroup'], resources: [GROUPS], conditions: restoredByADrill },
    ],
    wildcards: {
      [GROUPS]:
        'DeleteReplicationGroup only on groups tagged restored-by = this stack and drill = true (aws:ResourceTag conditions).',
    },
  },
};

/** What AWS evaluates on ElastiCache calls' behalf: the tags a create carries. */
export const ELASTICACHE_IMPLIED_ACTIONS: ImpliedActions = {
  'elasticache:CreateSnapshot': [{ action: 'elasticache:AddTagsToResource' }],
  'elasticache:CreateReplicationGroup': [{ action: 'elasticache:AddTagsToResource' }],
};
