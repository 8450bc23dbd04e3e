/**
 * DynamoDB's part of the catalog (../catalog.ts): tables, their ARN and label, their modes, the backup
 * kind this folder's store holds, the error codes DynamoDB answers with and the runbook's steps for its
 * causes. Data only: read at module load by shared/resource.ts and shared/errors.ts.
 */
import type { ServiceCatalog } from '../catalog-types';
import { DYNAMODB_IMPLIED_ACTIONS, DYNAMODB_PERMISSIONS } from './permissions';

export const dynamodbCatalog = {
  service: 'dynamodb',
  identifierStems: ['dynamo'],
  types: [
    {
      type: 'dynamodb-table',
      arn: { service: 'dynamodb', prefix: 'table/', resource: /^table\/([a-zA-Z0-9_.-]{3,255})$/ },
      label: 'DynamoDB tables',
      // An on-demand backup (default), or an export to the stack's S3 bucket.
      modes: ['backup', 'export'],
    },
  ],
  backupKinds: ['dynamodb-backup'],
  // RestoreTableFromBackup and ImportTable under a table's own key, which encrypt and generate data keys ("How Amazon DynamoDB uses AWS KMS"); its export copies are SSE-S3.
  keyUse: { restores: true, encrypts: true },
  errorCodes: {
    throttling: ['ProvisionedThroughputExceededException'],
    limits: ['LimitExceededException'],
    notFound: [
      'ResourceNotFoundException',
      'TableNotFoundException',
      'BackupNotFoundException',
      'ExportNotFoundException',
      'ImportNotFoundException',
    ],
    /**
     * A restore's table name is taken (RestoreTableFromBackup; ImportTable answers ResourceInUseException,
     * which no backup call answers with). TableInUseException is not here: CreateBackup answers it for a
     * table being created or deleted; the restore maps it itself (./table-restore.ts).
     */
    nameInUse: ['TableAlreadyExistsException', 'ResourceInUseException'],
  },
  runbook: [
    {
      // An export of a table without point-in-time recovery (./dynamodb-table.ts).
      error: 'InvalidResourceStateError',
      reason: /point-in-time recovery/,
      next: "enable the table's point-in-time recovery, or switch it to mode backup",
      section: 'A backup failed',
    },
  ],
  permissions: DYNAMODB_PERMISSIONS,
  impliedActions: DYNAMODB_IMPLIED_ACTIONS,
} as const satisfies ServiceCatalog;

export function dynamoTableArn(partition: string, region: string, accountId: string, name: string): string {
  return `arn:${partition}:dynamodb:${region}:${accountId}:table/${name}`;
}
