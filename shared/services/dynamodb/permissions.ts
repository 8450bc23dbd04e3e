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
import { ACCOUNT, BACKUP_BUCKET_ARN, PARTITION, type PermissionSet } from '../permission-set';

const TABLES = `arn:${PARTITION}:dynamodb:*:${ACCOUNT}:table/*`;
const BACKUPS = `${TABLES}/backup/*`;
const EXPORTS = `${TABLES}/export/*`;
const EXPORT_OBJECTS = `${BACKUP_BUCKET_ARN}/${EXPORT_PREFIX}/*`;

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
};
