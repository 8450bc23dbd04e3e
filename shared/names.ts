/** Names shared by the Lambdas and the CDK stack (no side effects: the stack imports this at synth). */
export const SERVICE_NAME = 'backup-pipeline';
export const METRICS_NAMESPACE = 'BackupPipeline';
