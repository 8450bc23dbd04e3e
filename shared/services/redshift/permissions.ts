/**
 * Redshift's IAM needs (provisioned clusters, their manual snapshots, restores), as data: Describe calls on
 * '*' (Redshift offers no resource-level permission for them), snapshots created and tagged only under the
 * project's own identifiers (bp-...), deleted only when tagged managed-by this stack, and a drill's clean-up
 * deleting only clusters this stack restored for a drill. Redshift evaluates aws:ResourceTag on its
 * clusters and snapshots (Redshift Management Guide, "Using tag-based access control").
 */
import { RDS_SNAPSHOT_PREFIX as PREFIX } from '../../names';
import { ownerTagValue, RESTORE_TAG, TAG } from '../../tags';
import { ACCOUNT, type ImpliedActions, PARTITION, type PermissionSet, REGION, STACK_NAME } from '../permission-set';

const redshiftArn = (resource: string) => `arn:${PARTITION}:redshift:*:${ACCOUNT}:${resource}`;
const CLUSTERS = redshiftArn('cluster:*');
/** A snapshot's ARN names its cluster: snapshot:<cluster>/<snapshot>. */
const SNAPSHOTS = redshiftArn(`snapshot:*/${PREFIX}*`);

const ownedOnly = {
  StringEquals: { [`aws:ResourceTag/${TAG.managedBy}`]: [ownerTagValue(STACK_NAME, REGION), STACK_NAME] },
};
const restoredByADrill = {
  StringEquals: {
    [`aws:ResourceTag/${RESTORE_TAG.restoredBy}`]: ownerTagValue(STACK_NAME, REGION),
    [`aws:ResourceTag/${RESTORE_TAG.drill}`]: 'true',
  },
};
const DESCRIBE = ['redshift:DescribeClusters', 'redshift:DescribeClusterSnapshots'];

export const REDSHIFT_PERMISSIONS: PermissionSet = {
  'plan-run': { grants: [{ actions: ['redshift:DescribeClusters'], resources: ['*'] }] },
  'start-backup': {
    grants: [
      // After a refusal: does the cluster's state pass (modifying, resizing: retried) or not (paused)?
      { actions: DESCRIBE, resources: ['*'] },
      { actions: ['redshift:CreateClusterSnapshot'], resources: [CLUSTERS, SNAPSHOTS] },
      { actions: ['redshift:CreateTags'], resources: [SNAPSHOTS] },
    ],
    wildcards: {
      [CLUSTERS]: 'The clusters to back up are chosen at run time by tag or ARN from the whole account.',
      [SNAPSHOTS]:
        'Snapshot identifiers are derived per run with the project prefix; only those are creatable and taggable.',
    },
  },
  'check-backup': { grants: [{ actions: ['redshift:DescribeClusterSnapshots'], resources: ['*'] }] },
  'apply-retention': {
    grants: [
      { actions: ['redshift:DescribeClusterSnapshots'], resources: ['*'] },
      { actions: ['redshift:DeleteClusterSnapshot'], resources: [SNAPSHOTS], conditions: ownedOnly },
    ],
    wildcards: {
      [SNAPSHOTS]:
        'DeleteClusterSnapshot only on project-prefixed snapshots tagged backup-pipeline:managed-by = this stack (aws:ResourceTag condition).',
    },
  },
  // The copy is Redshift's own (the cluster's cross-region snapshot copy): Start finds the cluster's
  // configuration, Check finds the copy in the destination and tags it as ours (Redshift copies no tags).
  'start-copies': { grants: [{ actions: ['redshift:DescribeClusters'], resources: ['*'] }] },
  'check-copies': {
    grants: [
      { actions: ['redshift:DescribeClusterSnapshots'], resources: ['*'] },
      { actions: ['redshift:CreateTags'], resources: [SNAPSHOTS] },
    ],
    wildcards: { [SNAPSHOTS]: 'Only the project-prefixed copies of this stack’s snapshots are tagged.' },
  },
  'start-restore': {
    grants: [
      { actions: ['redshift:DescribeClusters'], resources: ['*'] },
      { actions: ['redshift:RestoreFromClusterSnapshot'], resources: [CLUSTERS, SNAPSHOTS] },
      // RestoreFromClusterSnapshot takes no tags: the restored cluster is tagged right after.
      { actions: ['redshift:CreateTags'], resources: [CLUSTERS] },
    ],
    wildcards: {
      [CLUSTERS]: 'A restored cluster is named by the operator or the drill at run time.',
      [SNAPSHOTS]: 'Only the project-prefixed snapshots this stack made are restored.',
    },
  },
  'check-restore': { grants: [{ actions: ['redshift:DescribeClusters'], resources: ['*'] }] },
  'clean-up-restore': {
    grants: [
      { actions: ['redshift:DescribeClusters'], resources: ['*'] },
      { actions: ['redshift:DeleteCluster'], resources: [CLUSTERS], conditions: restoredByADrill },
    ],
    wildcards: {
      [CLUSTERS]: 'DeleteCluster only on clusters tagged restored-by = this stack and drill = true (aws:ResourceTag).',
    },
  },
};

/** What AWS evaluates on Redshift calls' behalf (../permission-set.ts ImpliedActions). */
export const REDSHIFT_IMPLIED_ACTIONS: ImpliedActions = {
  // Tags in CreateClusterSnapshot are authorized as CreateTags.
  'redshift:CreateClusterSnapshot': [{ action: 'redshift:CreateTags' }],
};
