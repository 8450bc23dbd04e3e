/** Names shared by the Lambdas and the CDK stack (no side effects: the stack imports this at synth). */
export const SERVICE_NAME = 'backup-pipeline';
export const METRICS_NAMESPACE = 'BackupPipeline';
/** Key prefix of DynamoDB exports in the backup bucket: `<prefix>/<tier>/<table>/<run>/`; lifecycle rules key on it. */
export const EXPORT_PREFIX = 'dynamodb-exports';
/**
 * Every RDS and Aurora snapshot identifier the project makes starts with it (`bp-<run>-<hash>-<db>`);
 * IAM limits creating, tagging, copying and deleting RDS snapshots to identifiers with this prefix.
 */
export const RDS_SNAPSHOT_PREFIX = 'bp-';
