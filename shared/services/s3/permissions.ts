/**
 * S3's IAM needs for backing buckets up: discovery lists the account's buckets and reads their tags;
 * start reads a source's versioning and replication, makes its backup bucket (named by the stack's
 * runtime-bucket prefix only), sets the pipeline's replication rule on the source and starts the run's
 * Batch Replication job, passing the stack's replication role to S3 and to S3 Batch Operations; check
 * reads the job. The sources are chosen at run time by tag or ARN, so their actions name every bucket;
 * what is created or changed besides the source's replication rule is the stack's own buckets only.
 */

import { s3ReplicationRoleName } from '../../names';
import {
  ACCOUNT,
  type ImpliedActions,
  PARTITION,
  type PermissionSet,
  RUNTIME_BUCKETS,
  STACK_NAME,
} from '../permission-set';

const BUCKETS = `arn:${PARTITION}:s3:::*`;
const BACKUP_BUCKETS = `arn:${PARTITION}:s3:::${RUNTIME_BUCKETS}`;
const JOBS = `arn:${PARTITION}:s3:*:${ACCOUNT}:job/*`;
const REPLICATION_ROLE = `arn:${PARTITION}:iam::${ACCOUNT}:role/${s3ReplicationRoleName(STACK_NAME)}`;
/** A restore's new bucket carries `-restored-` in its name (./bucket-restore.ts nameProblem). */
const RESTORED_BUCKETS = `arn:${PARTITION}:s3:::*-restored-*`;
const CHOSEN_AT_RUN_TIME = 'The buckets to back up are chosen at run time by tag or ARN from the whole account.';

export const S3_PERMISSIONS: PermissionSet = {
  'plan-run': {
    grants: [
      { actions: ['s3:ListAllMyBuckets'], resources: ['*'] },
      { actions: ['s3:GetBucketTagging', 's3:ListBucket'], resources: [BUCKETS] },
    ],
    wildcards: { [BUCKETS]: CHOSEN_AT_RUN_TIME },
  },
  'start-backup': {
    grants: [
      {
        actions: ['s3:GetBucketVersioning', 's3:GetReplicationConfiguration', 's3:PutReplicationConfiguration'],
        resources: [BUCKETS],
      },
      {
        actions: ['s3:CreateBucket', 's3:PutBucketVersioning', 's3:PutBucketTagging'],
        resources: [BACKUP_BUCKETS],
      },
      // CreateJob has no resource-level permission (Service Authorization Reference: s3:CreateJob, `*`).
      { actions: ['s3:CreateJob'], resources: ['*'] },
      { actions: ['s3:PutJobTagging'], resources: [JOBS] },
      {
        actions: ['iam:PassRole'],
        resources: [REPLICATION_ROLE],
        conditions: {
          StringEquals: { 'iam:PassedToService': ['s3.amazonaws.com', 'batchoperations.s3.amazonaws.com'] },
        },
      },
    ],
    wildcards: {
      [BUCKETS]: CHOSEN_AT_RUN_TIME,
      [BACKUP_BUCKETS]:
        "The backup buckets are made at run time, one per source, under the stack's runtime-bucket prefix only.",
      [JOBS]: 'A job is tagged as CreateJob makes it: its id is made at run time.',
    },
  },
  // Restores: the backup bucket's versions read and a manifest written there; a new bucket made and
  // tagged (any name: the operator's or the drill's); the Copy job started with the stack's role; the
  // check reads it; a drill's clean-up deletes only a bucket tagged restored-by this stack, emptied by
  // version by version first.
  'start-restore': {
    grants: [
      {
        actions: ['s3:ListBucketVersions', 's3:GetObject', 's3:PutObject'],
        resources: [BACKUP_BUCKETS, `${BACKUP_BUCKETS}/*`],
      },
      {
        actions: ['s3:ListBucket', 's3:GetBucketTagging', 's3:CreateBucket', 's3:PutBucketTagging'],
        resources: [BUCKETS],
      },
      { actions: ['s3:CreateJob'], resources: ['*'] },
      { actions: ['s3:PutJobTagging'], resources: [JOBS] },
      {
        actions: ['iam:PassRole'],
        resources: [REPLICATION_ROLE],
        conditions: { StringEquals: { 'iam:PassedToService': 'batchoperations.s3.amazonaws.com' } },
      },
    ],
    wildcards: {
      [BACKUP_BUCKETS]:
        "The backup buckets are made at run time, one per source, under the stack's runtime-bucket prefix only.",
      [`${BACKUP_BUCKETS}/*`]:
        "A restore reads the versions of, and writes its manifest to, the stack's backup buckets only.",
      [BUCKETS]: 'A restored bucket is named by the operator or the drill at run time.',
      [JOBS]: 'A job is tagged as CreateJob makes it: its id is made at run time.',
    },
  },
  'check-restore': {
    grants: [{ actions: ['s3:DescribeJob'], resources: [JOBS] }],
    wildcards: { [JOBS]: 'Batch Operations job ids are created by CreateJob at run time.' },
  },
  'clean-up-restore': {
    grants: [
      {
        actions: ['s3:GetBucketTagging'],
        resources: [BUCKETS],
      },
      {
        actions: ['s3:DeleteBucket', 's3:ListBucketVersions', 's3:DeleteObjectVersion'],
        resources: [RESTORED_BUCKETS, `${RESTORED_BUCKETS}/*`],
      },
    ],
    wildcards: {
      [BUCKETS]: "The clean-up reads the restored bucket's tags first: named at run time.",
      [RESTORED_BUCKETS]:
        'Only buckets named as restores are emptied and deleted, and only when tagged restored-by this stack (checked by the handler: bucket tags are IAM conditions only with ABAC on).',
      [`${RESTORED_BUCKETS}/*`]: 'The versions of a bucket named as a restore, emptied before it is deleted.',
    },
  },
  'check-backup': {
    grants: [{ actions: ['s3:DescribeJob'], resources: [JOBS] }],
    wildcards: { [JOBS]: 'Batch Replication job ids are created by CreateJob at run time.' },
  },
};

/** What AWS evaluates on S3 calls' behalf: the role a configuration or job names is passed; a job's tags are its tagging action. */
export const S3_IMPLIED_ACTIONS: ImpliedActions = {
  's3:PutReplicationConfiguration': [{ action: 'iam:PassRole', keys: { 'iam:PassedToService': 's3.amazonaws.com' } }],
  's3:CreateJob': [
    { action: 'iam:PassRole', keys: { 'iam:PassedToService': 'batchoperations.s3.amazonaws.com' } },
    { action: 's3:PutJobTagging' },
  ],
};

/** The services that assume the replication role: live replication, and Batch Operations' jobs. */
export const S3_REPLICATION_ROLE_PRINCIPALS = ['s3.amazonaws.com', 'batchoperations.s3.amazonaws.com'] as const;

const OBJECTS = `arn:${PARTITION}:s3:::*/*`;
/** The sources are the pipeline account's own buckets only (every driver call names ExpectedBucketOwner). */
const OWN_ACCOUNT = { StringEquals: { 's3:ResourceAccount': ACCOUNT } };
const SOURCES_AT_RUN_TIME =
  "The sources are chosen at run time by tag or ARN; limited to the account's own buckets (s3:ResourceAccount). A bucket-tag condition is no option: S3 evaluates bucket tags only with ABAC enabled on each bucket, and object actions carry no bucket tag.";

/**
 * What the stack's replication role (`<stack>-s3-replication`) does, as S3 and S3 Batch Operations
 * assume it ("Setting up permissions for live replication", "Configuring IAM policies for Batch
 * Replication", "Granting permissions for Batch Operations"):
 * - live replication reads the source's configuration and versions and replicates them, deletes and
 *   tags into the stack's backup buckets only;
 * - Batch Replication initiates replication of the source's versions, its manifest generated by S3 from
 *   the source (an inventory of it: PutInventoryConfiguration); the job writes no manifest output and no
 *   completion report (./s3-bucket.ts: EnableManifestOutput and Report off), so no write is granted;
 * - a restore's Copy job reads its manifest and the versions in the backup bucket, and writes (with
 *   their tags) into a restored bucket only, named `-restored-` (./bucket-restore.ts nameProblem); no report.
 */
export const S3_REPLICATION_ROLE_PERMISSIONS: PermissionSet<'s3-replication-role'> = {
  's3-replication-role': {
    grants: [
      {
        actions: ['s3:GetReplicationConfiguration', 's3:ListBucket', 's3:PutInventoryConfiguration'],
        resources: [BUCKETS],
        conditions: OWN_ACCOUNT,
      },
      {
        actions: [
          's3:GetObjectVersionForReplication',
          's3:GetObjectVersionAcl',
          's3:GetObjectVersionTagging',
          's3:InitiateReplication',
        ],
        resources: [OBJECTS],
        conditions: OWN_ACCOUNT,
      },
      { actions: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'], resources: [`${BACKUP_BUCKETS}/*`] },
      { actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: [`${BACKUP_BUCKETS}/*`] },
      {
        actions: ['s3:PutObject', 's3:PutObjectTagging'],
        resources: [`${RESTORED_BUCKETS}/*`],
        conditions: OWN_ACCOUNT,
      },
    ],
    wildcards: {
      [BUCKETS]: SOURCES_AT_RUN_TIME,
      [OBJECTS]: SOURCES_AT_RUN_TIME,
      [`${BACKUP_BUCKETS}/*`]:
        "Replicas land in, and restores read from, the backup buckets made at run time under the stack's runtime-bucket prefix only.",
      [`${RESTORED_BUCKETS}/*`]:
        'A restore copies only into a bucket named as a restore (-restored-), named by the operator or the drill at run time.',
    },
  },
};
