/**
 * The environment of every function, built from the validated pipeline config in one place: the CDK
 * stack sets exactly this on each Lambda, and the local runner sets the same before it calls the
 * handlers in-process. Each entry is typed by (and checked against) the function's env schema.
 */
import { deadlineHoursOf, type PipelineConfig } from '../config';
import {
  backupEnvSchema,
  baseEnvSchema,
  type EnvOf,
  freshnessEnvSchema,
  notifyEnvSchema,
  notifyRestoresEnvSchema,
  planEnvSchema,
  planRestoreEnvSchema,
  retentionEnvSchema,
  retentionUnitsEnvSchema,
  validateRestoreEnvSchema,
} from './env';
import { FUNCTION_NAMES, type FunctionName, type ScheduledFunctionName } from './function-names';

export {
  FUNCTION_NAMES,
  type FunctionName,
  SCHEDULED_FUNCTION_NAMES,
  type ScheduledFunctionName,
} from './function-names';

/**
 * The SDK attempts per call every function deploys with (AWS_MAX_ATTEMPTS in its environment,
 * infra/constructs/pipeline-function.ts; the SDK's standard mode). The sandbox runs the handlers with the
 * same (local/sandbox.ts), so a 500 after a create (a lost answer) is retried by the SDK there as in AWS.
 */
export const DEPLOYED_SDK_MAX_ATTEMPTS = 3;

/**
 * Timeout and memory of each function: the stack deploys these, and the local sandbox enforces the
 * same timeouts on the source handlers. Plan, Summarize, Notify and the retention tasks walk the whole
 * fleet or run (a retention pass lists a store of up to 100,000 backups); the per-resource tasks make a few calls.
 */
export const FUNCTION_LIMITS: Record<FunctionName, { timeoutSeconds: number; memorySize: number }> = Object.fromEntries(
  FUNCTION_NAMES.map((name) => [
    name,
    ['plan-run', 'list-retention-units', 'apply-retention', 'summarize-retention', 'summarize-run', 'notify'].includes(
      name,
    )
      ? { timeoutSeconds: 600, memorySize: 512 }
      : { timeoutSeconds: 60, memorySize: 256 },
  ]),
) as Record<FunctionName, { timeoutSeconds: number; memorySize: number }>;

/** Functions the state machine does not invoke: run on their own schedule. */

/** ASL placeholder for each function: `${PlanRunFunctionArn}` etc. */
export function placeholderOf(name: FunctionName | ScheduledFunctionName): string {
  return `${name.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase())}FunctionArn`;
}

export interface FunctionEnvironments {
  'plan-run': EnvOf<typeof planEnvSchema>;
  'start-backup': EnvOf<typeof backupEnvSchema>;
  'check-backup': EnvOf<typeof backupEnvSchema>;
  'start-copies': EnvOf<typeof backupEnvSchema>;
  'check-copies': EnvOf<typeof backupEnvSchema>;
  'record-result': EnvOf<typeof baseEnvSchema>;
  'record-failure': EnvOf<typeof baseEnvSchema>;
  'summarize-run': EnvOf<typeof baseEnvSchema>;
  notify: EnvOf<typeof notifyEnvSchema>;
  'list-retention-units': EnvOf<typeof retentionUnitsEnvSchema>;
  'apply-retention': EnvOf<typeof retentionEnvSchema>;
  'summarize-retention': EnvOf<typeof baseEnvSchema>;
  'release-run-lock': EnvOf<typeof baseEnvSchema>;
  'plan-restore': EnvOf<typeof planRestoreEnvSchema>;
  'start-restore': EnvOf<typeof baseEnvSchema>;
  'check-restore': EnvOf<typeof baseEnvSchema>;
  'validate-restore': EnvOf<typeof validateRestoreEnvSchema>;
  'clean-up-restore': EnvOf<typeof baseEnvSchema>;
  'finish-restore': EnvOf<typeof baseEnvSchema>;
  'notify-restores': EnvOf<typeof notifyRestoresEnvSchema>;
  'check-freshness': EnvOf<typeof freshnessEnvSchema>;
}

export const ENV_SCHEMAS = {
  'plan-run': planEnvSchema,
  'start-backup': backupEnvSchema,
  'check-backup': backupEnvSchema,
  'start-copies': backupEnvSchema,
  'check-copies': backupEnvSchema,
  'record-result': baseEnvSchema,
  'record-failure': baseEnvSchema,
  'summarize-run': baseEnvSchema,
  notify: notifyEnvSchema,
  'list-retention-units': retentionUnitsEnvSchema,
  'apply-retention': retentionEnvSchema,
  'summarize-retention': baseEnvSchema,
  'release-run-lock': baseEnvSchema,
  'plan-restore': planRestoreEnvSchema,
  'start-restore': baseEnvSchema,
  'check-restore': baseEnvSchema,
  'validate-restore': validateRestoreEnvSchema,
  'clean-up-restore': baseEnvSchema,
  'finish-restore': baseEnvSchema,
  'notify-restores': notifyRestoresEnvSchema,
  'check-freshness': freshnessEnvSchema,
} as const;

export function functionEnvironments(
  config: PipelineConfig,
  resources: { tableName: string; topicArn: string; bucketName: string },
): FunctionEnvironments {
  const base = { TABLE_NAME: resources.tableName, STACK_NAME: config.stackName };
  const tiers = JSON.stringify(config.tiers);
  // null stays null: each function resolves it as its own region (config.ts `configuredRegions`).
  const regions = JSON.stringify(config.regions);
  const deadlines = Object.fromEntries(
    Object.entries(config.tiers).map(([name, tier]) => [name, deadlineHoursOf(tier, config.polling)]),
  );
  const backup = {
    ...base,
    POLLING: JSON.stringify(config.polling),
    DEADLINE_HOURS: JSON.stringify(deadlines),
    BACKUP_BUCKET: resources.bucketName,
    RECOVERY_REGIONS: JSON.stringify(config.recovery?.regions ?? []),
  };
  return {
    'plan-run': {
      ...base,
      TIERS: tiers,
      DEFAULT_TIER: config.defaultTier,
      DEFAULT_TARGET_TAGS: JSON.stringify(config.defaultTargetTags),
      STATE_TTL_DAYS: String(config.stateTtlDays),
      MAP_MAX_CONCURRENCY: String(config.mapMaxConcurrency),
      MODES: JSON.stringify(config.modes),
      REGIONS: regions,
      BACKUP_BUCKET: resources.bucketName,
    },
    'start-backup': backup,
    'check-backup': backup,
    'start-copies': backup,
    'check-copies': backup,
    'record-result': base,
    'record-failure': base,
    'summarize-run': base,
    notify: {
      ...base,
      TOPIC_ARN: resources.topicArn,
      NOTIFY_ON_SUCCESS: String(config.notifyOnSuccess),
      EVENT_BUS_NAME: 'default',
    },
    'list-retention-units': { ...base, TIERS: tiers, REGIONS: regions },
    'apply-retention': { ...base, TIERS: tiers },
    'summarize-retention': base,
    'release-run-lock': base,
    'plan-restore': { ...base, DEFAULT_TIER: config.defaultTier },
    'start-restore': base,
    'check-restore': base,
    // Unset (no validation Lambda configured): the drill's check is the restored resource's shape alone.
    'validate-restore': {
      ...base,
      ...(config.drills?.validationFunctionArn ? { VALIDATION_FUNCTION_ARN: config.drills.validationFunctionArn } : {}),
    },
    'clean-up-restore': base,
    'finish-restore': base,
    'notify-restores': { ...base, TOPIC_ARN: resources.topicArn },
    'check-freshness': {
      ...base,
      TIERS: tiers,
      DRILLS: JSON.stringify(config.drills),
      DEFAULT_TIER: config.defaultTier,
    },
  };
}
