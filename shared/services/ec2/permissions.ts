/**
 * EC2's IAM needs (instances, EBS volumes, their snapshots and AMIs), as data: Describe calls on '*'
 * (EC2 has no resource-level permissions for them), creates scoped by resource type, tags only on
 * what the creating or copying call makes, and deletes only on backups tagged managed-by this stack.
 */
import { ownerTagValue, RESTORE_TAG, TAG } from '../../tags';
import {
  ACCOUNT,
  type ImpliedAction,
  type ImpliedActions,
  PARTITION,
  type PermissionSet,
  REGION,
  STACK_NAME,
} from '../permission-set';

const INSTANCES = `arn:${PARTITION}:ec2:*:${ACCOUNT}:instance/*`;
const VOLUMES = `arn:${PARTITION}:ec2:*:${ACCOUNT}:volume/*`;
// Snapshot and image ARNs carry no account id.
const SNAPSHOTS = `arn:${PARTITION}:ec2:*::snapshot/*`;
const IMAGES = `arn:${PARTITION}:ec2:*::image/*`;

/**
 * EC2 evaluates aws:ResourceTag on snapshots and images. managed-by is the stack name qualified by its
 * home region; the bare name is what backups made before the qualification carry (the handler accepts
 * it in the home region only).
 */
const OWNED_ONLY = {
  StringEquals: { [`aws:ResourceTag/${TAG.managedBy}`]: [ownerTagValue(STACK_NAME, REGION), STACK_NAME] },
};

/** A drill's clean-up deletes only what this stack restored for a drill (both tags, set at create). */
const RESTORED_BY_A_DRILL = {
  StringEquals: {
    [`aws:ResourceTag/${RESTORE_TAG.restoredBy}`]: ownerTagValue(STACK_NAME, REGION),
    [`aws:ResourceTag/${RESTORE_TAG.drill}`]: 'true',
  },
};
const SUBNETS = `arn:${PARTITION}:ec2:*:${ACCOUNT}:subnet/*`;
const SECURITY_GROUPS = `arn:${PARTITION}:ec2:*:${ACCOUNT}:security-group/*`;
const NETWORK_INTERFACES = `arn:${PARTITION}:ec2:*:${ACCOUNT}:network-interface/*`;
const RESTORED_AT_RUN_TIME =
  'Restored volumes and instances get their ids from the creating call; tags only through it (ec2:CreateAction).';

const CHOSEN_AT_RUN_TIME = 'The resources to back up are chosen at run time by tag or ARN from the whole account.';

export const EC2_PERMISSIONS: PermissionSet = {
  'plan-run': { grants: [{ actions: ['ec2:DescribeInstances', 'ec2:DescribeVolumes'], resources: ['*'] }] },
  // A restore's Plan: whether its region has a default VPC, when no subnet (EC2) or DB subnet group (RDS)
  // applies there (./default-vpc.ts): AWS places such a restore in the default VPC, and refuses it without one.
  'plan-restore': { grants: [{ actions: ['ec2:DescribeAccountAttributes'], resources: ['*'] }] },
  'start-backup': {
    grants: [
      {
        actions: [
          'ec2:DescribeVolumes',
          'ec2:DescribeSnapshots',
          // AMI mode: the instance's tags to copy onto the image, and a retried start's image by its name.
          'ec2:DescribeInstances',
          'ec2:DescribeImages',
        ],
        resources: ['*'],
      },
      { actions: ['ec2:CreateSnapshot', 'ec2:CreateSnapshots'], resources: [INSTANCES, VOLUMES, SNAPSHOTS] },
      { actions: ['ec2:CreateImage'], resources: [INSTANCES, IMAGES, SNAPSHOTS] },
      {
        actions: ['ec2:CreateTags'],
        resources: [SNAPSHOTS, IMAGES],
        conditions: { StringEquals: { 'ec2:CreateAction': ['CreateSnapshot', 'CreateSnapshots', 'CreateImage'] } },
      },
    ],
    wildcards: {
      [SNAPSHOTS]:
        'Snapshot ids are created by the call itself and cannot be known in advance; CreateTags is conditioned on the creating action.',
      [IMAGES]:
        'AMI ids are created by CreateImage itself and cannot be known in advance; CreateTags on images is conditioned on ec2:CreateAction = CreateImage.',
      [INSTANCES]: CHOSEN_AT_RUN_TIME,
      [VOLUMES]: CHOSEN_AT_RUN_TIME,
    },
  },
  'check-backup': { grants: [{ actions: ['ec2:DescribeSnapshots', 'ec2:DescribeImages'], resources: ['*'] }] },
  'apply-retention': {
    grants: [
      { actions: ['ec2:DescribeSnapshots', 'ec2:DescribeImages'], resources: ['*'] },
      { actions: ['ec2:DeleteSnapshot'], resources: [SNAPSHOTS], conditions: OWNED_ONLY },
      { actions: ['ec2:DeregisterImage'], resources: [IMAGES], conditions: OWNED_ONLY },
    ],
    wildcards: {
      [SNAPSHOTS]:
        'DeleteSnapshot is allowed only on snapshots tagged backup-pipeline:managed-by = this stack (aws:ResourceTag condition).',
      [IMAGES]:
        'DeregisterImage is allowed only on AMIs tagged backup-pipeline:managed-by = this stack (aws:ResourceTag condition).',
    },
  },
  // Copies run in the destination region, tagging what they create; a retry looks its copy up first.
  'start-copies': {
    grants: [
      { actions: ['ec2:DescribeSnapshots'], resources: ['*'] },
      { actions: ['ec2:CopyImage'], resources: [IMAGES, SNAPSHOTS] },
      { actions: ['ec2:CopySnapshot'], resources: [SNAPSHOTS] },
      {
        actions: ['ec2:CreateTags'],
        resources: [SNAPSHOTS, IMAGES],
        conditions: { StringEquals: { 'ec2:CreateAction': ['CopySnapshot', 'CopyImage'] } },
      },
    ],
    wildcards: {
      [SNAPSHOTS]:
        'Copies are new snapshots whose ids do not exist before the call; CreateTags is conditioned on CopySnapshot.',
      [IMAGES]:
        'AMI copies are new images whose ids do not exist before the call; CreateTags is conditioned on CopyImage.',
    },
  },
  'check-copies': { grants: [{ actions: ['ec2:DescribeSnapshots', 'ec2:DescribeImages'], resources: ['*'] }] },
  // Restores (statemachines/restore.asl.json): volumes from snapshots, instances from AMIs, tagged as
  // they are made; a drill's clean-up deletes only what carries this stack's restored-by and drill tags.
  'start-restore': {
    grants: [
      { actions: ['ec2:DescribeVolumes', 'ec2:DescribeInstances', 'ec2:DescribeSnapshots'], resources: ['*'] },
      { actions: ['ec2:CreateVolume'], resources: [VOLUMES, SNAPSHOTS] },
      {
        actions: ['ec2:RunInstances'],
        resources: [INSTANCES, VOLUMES, IMAGES, SNAPSHOTS, SUBNETS, SECURITY_GROUPS, NETWORK_INTERFACES],
      },
      {
        actions: ['ec2:CreateTags'],
        resources: [VOLUMES, INSTANCES],
        conditions: { StringEquals: { 'ec2:CreateAction': ['CreateVolume', 'RunInstances'] } },
      },
    ],
    wildcards: {
      [VOLUMES]: RESTORED_AT_RUN_TIME,
      [INSTANCES]: RESTORED_AT_RUN_TIME,
      [SNAPSHOTS]: 'The snapshot restored is chosen at run time from the restore points this stack recorded.',
      [IMAGES]: 'The AMI restored is chosen at run time from the restore points this stack recorded.',
      [SUBNETS]: "An instance is launched in the recorded or the drill's subnet, known at run time.",
      [SECURITY_GROUPS]: "An instance gets the recorded or the drill's security groups, known at run time.",
      [NETWORK_INTERFACES]: 'RunInstances creates the instance its network interface, named at run time.',
    },
  },
  'check-restore': { grants: [{ actions: ['ec2:DescribeVolumes', 'ec2:DescribeInstances'], resources: ['*'] }] },
  'clean-up-restore': {
    grants: [
      { actions: ['ec2:DescribeVolumes', 'ec2:DescribeInstances'], resources: ['*'] },
      { actions: ['ec2:DeleteVolume'], resources: [VOLUMES], conditions: RESTORED_BY_A_DRILL },
      { actions: ['ec2:TerminateInstances'], resources: [INSTANCES], conditions: RESTORED_BY_A_DRILL },
    ],
    wildcards: {
      [VOLUMES]:
        'DeleteVolume only on volumes tagged restored-by = this stack and drill = true (aws:ResourceTag conditions).',
      [INSTANCES]:
        'TerminateInstances only on instances tagged restored-by = this stack and drill = true (aws:ResourceTag conditions).',
    },
  },
};

/** Tags in a create's TagSpecifications (or copied from its source) are CreateTags on that creating action. */
const tagsOn = (creating: string): ImpliedAction[] => [
  { action: 'ec2:CreateTags', keys: { 'ec2:CreateAction': creating } },
];

/** What AWS evaluates on EC2 calls' behalf (../permission-set.ts ImpliedActions). */
export const EC2_IMPLIED_ACTIONS: ImpliedActions = {
  // Tags in TagSpecifications (and CopyTagsFromSource) are authorized as CreateTags on the new
  // snapshot (CreateImage: on the new image and its snapshots).
  'ec2:CreateSnapshot': tagsOn('CreateSnapshot'),
  'ec2:CreateSnapshots': tagsOn('CreateSnapshots'),
  'ec2:CreateImage': tagsOn('CreateImage'),
  // Tags on the copy are CreateTags on the copying action. (The key EC2 uses for a copy or a restore is
  // not listed here: the model asks for each use as it happens, see the sandbox's keyUses.)
  'ec2:CopySnapshot': tagsOn('CopySnapshot'),
  'ec2:CopyImage': tagsOn('CopyImage'),
  // Restored volumes and instances are tagged through TagSpecifications: CreateTags on the creating action.
  'ec2:CreateVolume': tagsOn('CreateVolume'),
  'ec2:RunInstances': tagsOn('RunInstances'),
};
