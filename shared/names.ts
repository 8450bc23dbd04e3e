/** Names shared by the Lambdas and the CDK stack (no side effects: the stack imports this at synth). */
export const SERVICE_NAME = 'backup-pipeline';
export const METRICS_NAMESPACE = 'BackupPipeline';
/** Key prefix of DynamoDB exports in the backup bucket: `<prefix>/<tier>/<table>/<run>/`; lifecycle rules key on it. */
export const EXPORT_PREFIX = 'dynamodb-exports';
/**
 * Key prefix of each run's working objects in the backup bucket: `<prefix>/<runId>/items.json` (Plan's
 * item list, read by the Map's ItemReader) and `<prefix>/<runId>/results/` (the Map's ResultWriter).
 * A short lifecycle rule expires them; nothing else lives under it.
 */
export const RUN_PREFIX = 'runs';
/** Days a run's item list and results stay in the bucket: long enough to inspect a failed run. */
export const RUN_OBJECTS_DAYS = 7;
/**
 * Every RDS and Aurora snapshot identifier the project makes starts with it (`bp-<run>-<hash>-<db>`);
 * IAM limits creating, tagging, copying and deleting RDS snapshots to identifiers with this prefix.
 */
export const RDS_SNAPSHOT_PREFIX = 'bp-';
/**
 * The backup state machine's name: the stack gives it, the sandbox registers it, and Plan's permission
 * to describe its executions is built from it (no reference from a function's role to the machine,
 * which references the functions).
 */
export const backupStateMachineName = (stackName: string): string => `${stackName}-backup`;

/** The restore state machine's name (statemachines/restore.asl.json): `restore` starts executions of it. */
export const restoreStateMachineName = (stackName: string): string => `${stackName}-restore`;

/**
 * The restore-only stack deployed to each recovery region (config `recovery`): it restores from the
 * DR copies with the home region gone. The CLI finds it by this name in a recovery region.
 */
export const recoveryStackName = (stackName: string): string => `${stackName}-recovery`;

/**
 * The bucket in a recovery region that DynamoDB exports are copied into (exported there a second time,
 * at the same ExportTime), owned by that region's recovery stack. Deterministic (stack, account,
 * region), so the home stack's Lambdas name it without a cross-region reference; S3 bucket names are
 * lower-case and at most 63 characters.
 */
export function recoveryBucketName(stackName: string, accountId: string, region: string): string {
  const suffix = `-dr-${accountId}-${region}`;
  return `${stackName.toLowerCase().slice(0, 63 - suffix.length)}${suffix}`;
}

/**
 * An IAM resource pattern covering the stack's recovery buckets in every region (recoveryBucketName):
 * exact up to the region where no region's name can make it truncate the stack's part, else the part
 * every region keeps, then `*`. `accountId` may be a placeholder filled at synth.
 */
export function recoveryBucketNamePattern(stackName: string, accountId: string): string {
  // The longest region names (ap-southeast-5, us-gov-west-1, ...) are 14 characters.
  const keep = 63 - `-dr-${accountId}-`.length - 14;
  const lower = stackName.toLowerCase();
  return `${lower.length <= keep ? lower : `${lower.slice(0, keep)}*`}-dr-${accountId}-*`;
}

/**
 * The prefix of the buckets the pipeline makes at run time (a bucket a source is replicated into):
 * the stack's name, lower-cased and cut so a 16-character suffix fits S3's 63. IAM names them by it.
 */
export function runtimeBucketPrefix(stackName: string): string {
  return `${stackName.toLowerCase().slice(0, 40)}-bb-`;
}

/**
 * The role S3 replicates with and S3 Batch Operations runs the pipeline's jobs with (Batch Replication,
 * a restore's copy): the stack makes it, the Lambdas name it in replication rules and jobs and pass it.
 */
export const s3ReplicationRoleName = (stackName: string): string => `${stackName}-s3-replication`;
