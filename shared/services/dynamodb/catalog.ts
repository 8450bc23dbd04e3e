/**
 * DynamoDB's part of the catalog (../catalog.ts): tables, their ARN and label, their modes, the backup
 * kind this folder's store holds, and the error codes DynamoDB answers with. Data only: read at module
 * load by shared/resource.ts and shared/errors.ts.
 */
import type { ServiceCatalog } from '../catalog-types';
import { DYNAMODB_PERMISSIONS } from './permissions';

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
  permissions: DYNAMODB_PERMISSIONS,
} as const satisfies ServiceCatalog;

export function dynamoTableArn(partition: string, region: string, accountId: string, name: string): string {
  return `arn:${partition}:dynamodb:${region}:${accountId}:table/${name}`;
}
