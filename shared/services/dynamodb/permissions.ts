/**
 * DynamoDB's IAM needs for backing tables up (the state table's own access is the stack's, in
 * infra/constructs/state-table.ts): discovery lists tables and reads their tags; start creates an
 * on-demand backup or an export into the backup bucket (which needs S3 writes under the export
 * prefix); check reads them; retention lists and deletes backups. DynamoDB cannot tag on-demand
 * backups, so DeleteBackup cannot be conditioned on the managed-by tag: it is scoped to backups of
 * tables in this account, and the code deletes only backups whose name carries this stack
 * (./dynamodb-table.ts).
 */
import { EXPORT_PREFIX } from '../../names';
import { ownerTagValue, RESTORE_TAG } from '../../tags';
import { ACCOUNT, BACKUP_BUCKET_ARN, PARTITION, type PermissionSet, REGION, STACK_NAME } from '../permission-set';

const TABLES = `arn:${PARTITION}:dynamodb:*:${ACCOUNT}:table/*`;
const BACKUPS = `${TABLES}/backup/*`;
const EXPORTS = `${TABLES}/export/*`;
const EXPORT_OBJECTS = `${BACKUP_BUCKET_ARN}/${EXPORT_PREFIX}/*`;

const IMPORTS = `${TABLES}/import/*`;
const RESTORED_BY_A_DRILL = {
  StringEquals: {
    [`aws:ResourceTag/${RESTORE_TAG.restoredBy}`]: ownerTagValue(STACK_NAME, REGION),
    [`aws:ResourceTag/${RESTORE_TAG.drill}`]: 'true',
  },
};
const RESTORED_NAMES = 'A restored table is named by the operator or the drill at run time.';

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
  // caller's item permissions) or from an export (ImportTable reads the export's objects), tagged as
  // soon as its ARN is known; a drill's clean-up deletes only tables tagged as restored by a drill.
  'start-restore': {
    grants: [
      {
        actions: [
          'dynamodb:DescribeTable',
          'dynamodb:RestoreTableFromBackup',
          'dynamodb:ImportTable',
          'dynamodb:TagResource',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          'dynamodb:GetItem',
          'dynamodb:Query',
          'dynamodb:Scan',
          'dynamodb:BatchWriteItem',
        ],
        resources: [TABLES],
      },
      { actions: ['dynamodb:RestoreTableFromBackup'], resources: [BACKUPS] },
      { actions: ['dynamodb:DescribeExport'], resources: [EXPORTS] },
      { actions: ['s3:GetObject', 's3:ListBucket'], resources: [BACKUP_BUCKET_ARN, EXPORT_OBJECTS] },
    ],
    wildcards: {
      [TABLES]: `${RESTORED_NAMES} RestoreTableFromBackup writes the restored table with these item actions.`,
      [BACKUPS]: 'The backup restored is chosen at run time from the restore points this stack recorded.',
      [EXPORTS]: 'The export restored is chosen at run time from the restore points this stack recorded.',
      [EXPORT_OBJECTS]: "ImportTable reads the export's objects under the export prefix only.",
    },
  },
  'check-restore': {
    grants: [
      { actions: ['dynamodb:DescribeTable'], resources: [TABLES] },
      { actions: ['dynamodb:DescribeImport'], resources: [IMPORTS] },
    ],
    wildcards: { [TABLES]: RESTORED_NAMES, [IMPORTS]: 'Import ARNs are created by ImportTable at run time.' },
  },
  'clean-up-restore': {
    grants: [
      { actions: ['dynamodb:DescribeTable', 'dynamodb:ListTagsOfResource'], resources: [TABLES] },
      { actions: ['dynamodb:DeleteTable'], resources: [TABLES], conditions: RESTORED_BY_A_DRILL },
    ],
    wildcards: {
      [TABLES]:
        'DeleteTable only on tables tagged restored-by = this stack and drill = true (aws:ResourceTag conditions).',
    },
  },
};
