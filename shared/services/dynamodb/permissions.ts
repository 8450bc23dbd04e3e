/**
 * DynamoDB's IAM needs for backing tables up (the state table's own access is the stack's, in
 * infra/constructs/state-table.ts): discovery lists tables and reads their tags; start creates an
 * on-demand backup or an export into the backup bucket (which needs S3 writes under the export
 * prefix); check reads them; an export's DR copy is a second export into a recovery region's bucket; retention lists and deletes backups. DynamoDB cannot tag on-demand
 * backups, so DeleteBackup cannot be conditioned on the managed-by tag: it is scoped to backups of
 * tables in this account, and the code deletes only backups whose name carries this stack
 * (./dynamodb-table.ts).
 */
import { EXPORT_PREFIX } from '../../names';
import { ownerTagValue, RESTORE_TAG } from '../../tags';
import {
  ACCOUNT,
  BACKUP_BUCKET_ARN,
  type ImpliedActions,
  PARTITION,
  type PermissionSet,
  RECOVERY_BUCKETS,
  REGION,
  STACK_NAME,
} from '../permission-set';
import { RESTORED_MARK } from './restored-name';

const TABLES = `arn:${PARTITION}:dynamodb:*:${ACCOUNT}:table/*`;
const BACKUPS = `${TABLES}/backup/*`;
const EXPORTS = `${TABLES}/export/*`;
const EXPORT_OBJECTS = `${BACKUP_BUCKET_ARN}/${EXPORT_PREFIX}/*`;
/** The recovery regions' buckets, where exports are copied under the same prefix (./export-copy.ts). */
const RECOVERY_BUCKET_ARNS = `arn:${PARTITION}:s3:::${RECOVERY_BUCKETS}`;
const RECOVERY_EXPORT_OBJECTS = `${RECOVERY_BUCKET_ARNS}/${EXPORT_PREFIX}/*`;

const IMPORTS = `${TABLES}/import/*`;
const RESTORED_BY_A_DRILL = {
  StringEquals: {
    [`aws:ResourceTag/${RESTORE_TAG.restoredBy}`]: ownerTagValue(STACK_NAME, REGION),
    [`aws:ResourceTag/${RESTORE_TAG.drill}`]: 'true',
  },
};
const RESTORED_NAMES = 'A restored table is named by the operator or the drill at run time.';
/**
 * The tables a restore makes: named `<source>-restored-<time>` (shared/workflow/restore/restore-plan.ts
 * defaultRestoreName), and an operator's name for a DynamoDB restore must carry `-restored-` too
 * (./table-restore.ts RESTORED_MARK). RestoreTableFromBackup writes the new table with the caller's item
 * permissions, and a restore tags only what it made: both only on such names, never on every table.
 */
const RESTORED_TABLES = `${TABLES.slice(0, -1)}*${RESTORED_MARK}*`;
/** ImportTable logs its progress and errors to CloudWatch Logs with the caller's permissions. */
const IMPORT_LOGS = `arn:${PARTITION}:logs:*:${ACCOUNT}:log-group:/aws-dynamodb/*`;

const CHOSEN_AT_RUN_TIME = 'The tables to back up are chosen at run time by tag or ARN from the whole account.';

export const DYNAMODB_PERMISSIONS: PermissionSet = {
  'plan-run': {
    grants: [
      { actions: ['dynamodb:ListTables'], resources: ['*'] },
      { actions: ['dynamodb:ListTagsOfResource', 'dynamodb:DescribeTable'], resources: [TABLES] },
    ],
    wildcards: { [TABLES]: CHOSEN_AT_RUN_TIME },
  },
  'start-backup': {
    grants: [
      { actions: ['dynamodb:CreateBackup', 'dynamodb:ExportTableToPointInTime'], resources: [TABLES] },
      { actions: ['dynamodb:ListBackups'], resources: ['*'] },
      { actions: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:PutObjectAcl'], resources: [EXPORT_OBJECTS] },
    ],
    wildcards: {
      [TABLES]: CHOSEN_AT_RUN_TIME,
      [EXPORT_OBJECTS]: 'DynamoDB writes each export under its own run prefix, below the export prefix only.',
    },
  },
  'check-backup': {
    grants: [
      { actions: ['dynamodb:DescribeBackup'], resources: [BACKUPS] },
      { actions: ['dynamodb:DescribeExport'], resources: [EXPORTS] },
    ],
    wildcards: {
      [BACKUPS]: 'Backup ARNs are created by CreateBackup at run time.',
      [EXPORTS]: 'Export ARNs are created by ExportTableToPointInTime at run time.',
    },
  },
  // The DR copy of an export: exported again, at the original's ExportTime (read with DescribeExport),
  // into a recovery region's bucket, which DynamoDB writes with the caller's S3 permissions; the check
  // polls it in the table's region.
  'start-copies': {
    grants: [
      { actions: ['dynamodb:ExportTableToPointInTime'], resources: [TABLES] },
      { actions: ['dynamodb:DescribeExport'], resources: [EXPORTS] },
      {
        actions: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:PutObjectAcl'],
        resources: [RECOVERY_EXPORT_OBJECTS],
      },
    ],
    wildcards: {
      [TABLES]: CHOSEN_AT_RUN_TIME,
      [EXPORTS]: 'Export ARNs are created by ExportTableToPointInTime at run time.',
      [RECOVERY_EXPORT_OBJECTS]:
        "DynamoDB writes each DR export under its run's prefix in a recovery region's bucket, below the export prefix only.",
    },
  },
  'check-copies': {
    grants: [{ actions: ['dynamodb:DescribeExport'], resources: [EXPORTS] }],
    wildcards: { [EXPORTS]: 'Export ARNs are created by ExportTableToPointInTime at run time.' },
  },
  'apply-retention': {
    grants: [
      { actions: ['dynamodb:ListBackups'], resources: ['*'] },
      { actions: ['dynamodb:DeleteBackup'], resources: [BACKUPS] },
    ],
    wildcards: {
      [BACKUPS]:
        'On-demand backups cannot be tagged, so no tag condition is possible; the handler deletes only backups whose name carries this stack.',
    },
  },
  // Restores: a table from an on-demand backup (RestoreTableFromBackup writes the new table with the
  // caller's item permissions) or from an export (ImportTable reads the export's objects and logs to
  // CloudWatch Logs); a retried start reads what it finds under the name (tags, its imports). The check
  // tags the table once it is ACTIVE; a drill's clean-up tags an untagged table it proved its own, then
  // deletes only tables tagged as restored by a drill of this stack.
  'start-restore': {
    grants: [
      {
        actions: [
          'dynamodb:DescribeTable',
          'dynamodb:ListTagsOfResource',
          'dynamodb:RestoreTableFromBackup',
          'dynamodb:ImportTable',
        ],
        resources: [TABLES],
      },
      {
        actions: [
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          'dynamodb:GetItem',
          'dynamodb:Query',
          'dynamodb:Scan',
          'dynamodb:BatchWriteItem',
        ],
        resources: [RESTORED_TABLES],
      },
      { actions: ['dynamodb:RestoreTableFromBackup'], resources: [BACKUPS] },
      { actions: ['dynamodb:DescribeExport'], resources: [EXPORTS] },
      { actions: ['dynamodb:DescribeImport'], resources: [IMPORTS] },
      { actions: ['dynamodb:ListImports'], resources: ['*'] },
      {
        actions: ['s3:GetObject', 's3:ListBucket'],
        resources: [BACKUP_BUCKET_ARN, EXPORT_OBJECTS, RECOVERY_BUCKET_ARNS, RECOVERY_EXPORT_OBJECTS],
      },
      {
        actions: [
          'logs:CreateLogGroup',
          'logs:CreateLogStream',
          'logs:DescribeLogGroups',
          'logs:DescribeLogStreams',
          'logs:PutLogEvents',
          'logs:PutRetentionPolicy',
        ],
        resources: [IMPORT_LOGS],
      },
    ],
    wildcards: {
      [TABLES]: RESTORED_NAMES,
      [RESTORED_TABLES]: `${RESTORED_NAMES} RestoreTableFromBackup writes the restored table with these item actions: only on tables named as restores.`,
      [BACKUPS]: 'The backup restored is chosen at run time from the restore points this stack recorded.',
      [EXPORTS]: 'The export restored is chosen at run time from the restore points this stack recorded.',
      [IMPORTS]: 'Import ARNs are created by ImportTable at run time.',
      [EXPORT_OBJECTS]: "ImportTable reads the export's objects under the export prefix only.",
      [RECOVERY_BUCKET_ARNS]: "A restore in a recovery region imports the export's copy from that region's bucket.",
      [RECOVERY_EXPORT_OBJECTS]: "ImportTable reads a DR export's objects under the export prefix only.",
      [IMPORT_LOGS]: "ImportTable writes to DynamoDB's own /aws-dynamodb/ log groups, named by DynamoDB.",
    },
  },
  'check-restore': {
    grants: [
      { actions: ['dynamodb:DescribeTable', 'dynamodb:ListTagsOfResource'], resources: [TABLES] },
      { actions: ['dynamodb:TagResource'], resources: [RESTORED_TABLES] },
      { actions: ['dynamodb:DescribeImport'], resources: [IMPORTS] },
    ],
    wildcards: {
      [TABLES]: RESTORED_NAMES,
      [RESTORED_TABLES]: 'The check tags the table it restored once it is ACTIVE: only tables named as restores.',
      [IMPORTS]: 'Import ARNs are created by ImportTable at run time.',
    },
  },
  'clean-up-restore': {
    grants: [
      { actions: ['dynamodb:DescribeTable', 'dynamodb:ListTagsOfResource'], resources: [TABLES] },
      { actions: ['dynamodb:TagResource'], resources: [RESTORED_TABLES] },
      { actions: ['dynamodb:DescribeImport'], resources: [IMPORTS] },
      { actions: ['dynamodb:ListImports'], resources: ['*'] },
      { actions: ['dynamodb:DeleteTable'], resources: [TABLES], conditions: RESTORED_BY_A_DRILL },
    ],
    wildcards: {
      [TABLES]:
        'DeleteTable only on tables tagged restored-by = this stack and drill = true (aws:ResourceTag conditions).',
      [RESTORED_TABLES]:
        'An untagged table this restore proved its own is tagged before DeleteTable: only tables named as restores.',
      [IMPORTS]: 'Import ARNs are created by ImportTable at run time.',
    },
  },
};

/** What AWS evaluates on DynamoDB calls' behalf (../permission-set.ts ImpliedActions). */
export const DYNAMODB_IMPLIED_ACTIONS: ImpliedActions = {
  // DynamoDB writes the export to S3 with the caller's permissions.
  'dynamodb:ExportTableToPointInTime': [
    { action: 's3:PutObject' },
    { action: 's3:AbortMultipartUpload' },
    { action: 's3:PutObjectAcl' },
  ],
  // DynamoDB writes the restored table with the caller's item permissions, on that table.
  'dynamodb:RestoreTableFromBackup': [
    'PutItem',
    'UpdateItem',
    'DeleteItem',
    'GetItem',
    'Query',
    'Scan',
    'BatchWriteItem',
  ].map((a) => ({ action: `dynamodb:${a}`, onTargetTable: true as const })),
  // DynamoDB reads the export's objects with the caller's permissions, and logs to CloudWatch Logs
  // ("Requesting a table import in DynamoDB", Setting up IAM permissions: /aws-dynamodb/* log groups).
  'dynamodb:ImportTable': [
    { action: 's3:GetObject' },
    { action: 's3:ListBucket' },
    ...[
      'CreateLogGroup',
      'CreateLogStream',
      'DescribeLogGroups',
      'DescribeLogStreams',
      'PutLogEvents',
      'PutRetentionPolicy',
    ].map((a) => ({ action: `logs:${a}` })),
  ],
};
