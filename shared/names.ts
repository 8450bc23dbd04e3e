/** Names shared by the Lambdas and the CDK stack (no side effects: the stack imports this at synth). */
export const SERVICE_NAME = 'backup-pipeline';
export const METRICS_NAMESPACE = 'BackupPipeline';
/** Key prefix of DynamoDB exports in the backup bucket: `<prefix>/<tier>/<table>/<run>/`; lifecycle rules key on it. */
export const EXPORT_PREFIX = 'dynamodb-exports';
