/**
 * Pipeline configuration: one schema for cdk.json context (validated at synth) and for the values
 * each Lambda receives in its environment. Defaults are what an operator gets with an empty context.
 */
import { z } from 'zod';

/** CloudWatch Logs accepts only these retention periods (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export const tierNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,31}$/, 'tier names are lower-case letters, digits and hyphens');

/** EventBridge Scheduler cron: six fields, e.g. cron(0 2 * * ? *). */
const cronSchema = z
  .string()
  .regex(/^cron\(\S+ \S+ \S+ \S+ \S+ \S+\)$/, 'expected an EventBridge Scheduler expression like "cron(0 2 * * ? *)"');

export const tierSchema = z.strictObject({
  /** When the tier runs (UTC). Omit or null for a tier that is only started by hand. */
  schedule: cronSchema.nullable().default(null),
  /** Backups of this tier expire this many days after they start. */
  retentionDays: z.number().int().min(1).max(3650),
  /** Keep at least this many newest backups per source, even when expired. */
  keepLast: z.number().int().min(0).max(1000).default(0),
  /**
   * Recovery point objective: alarm when no run of this tier has succeeded for this many hours (its
   * period plus a grace). Omit for a tier that is only started by hand.
   */
  rpoHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 400)
    .optional(),
});
export type TierConfig = z.infer<typeof tierSchema>;

export const DEFAULT_TIERS: Record<string, z.input<typeof tierSchema>> = {
  daily: { schedule: 'cron(0 2 * * ? *)', retentionDays: 7, keepLast: 0, rpoHours: 30 },
  weekly: { schedule: 'cron(0 1 ? * SUN *)', retentionDays: 35, keepLast: 0, rpoHours: 180 },
  monthly: { schedule: 'cron(0 0 1 * ? *)', retentionDays: 365, keepLast: 0, rpoHours: 768 },
};

export const tagMapSchema = z.record(z.string().min(1).max(128), z.string().max(256));

export const pollingSchema = z
  .strictObject({
    /** Shortest wait between two checks of one backup. */
    minWaitSeconds: z.number().int().min(5).max(3600).default(60),
    /** Longest wait between two checks of one backup (progress-aware waits rarely reach it). */
    maxWaitSeconds: z.number().int().min(60).max(86_400).default(21_600),
    /** A backup still running this long after it started is FAILED with reason `timeout`. */
    deadlineHours: z
      .number()
      .min(1)
      .max(24 * 14)
      .default(24),
  })
  .refine((p) => p.minWaitSeconds <= p.maxWaitSeconds, {
    message: 'minWaitSeconds must not exceed maxWaitSeconds',
    path: ['minWaitSeconds'],
  });
export type PollingConfig = z.infer<typeof pollingSchema>;

export const pipelineConfigSchema = z
  .strictObject({
    /** Used as the `backup-pipeline:managed-by` tag value; cleanup touches only backups carrying it. */
    stackName: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/)
      .default('BackupPipeline'),
    tiers: z.record(tierNameSchema, tierSchema).default(DEFAULT_TIERS as never),
    defaultTier: tierNameSchema.default('daily'),
    /** Resources carrying all of these tags are backed up when the input names no targets. */
    defaultTargetTags: tagMapSchema.default({ backup: 'true' }),
    /** How many resources are backed up at once (Distributed Map MaxConcurrency). */
    mapMaxConcurrency: z.number().int().min(1).max(10_000).default(40),
    polling: pollingSchema.default({ minWaitSeconds: 60, maxWaitSeconds: 21_600, deadlineHours: 24 }),
    /** Optional e-mail address subscribed to the notification topic. */
    notificationEmail: z.email().nullable().default(null),
    /** Notify on successful runs too (failures always notify). */
    notifyOnSuccess: z.boolean().default(false),
    logRetentionDays: z
      .number()
      .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), 'not a CloudWatch Logs retention period')
      .default(90),
    /** Run and resource records in the state table expire this many days after the run. */
    stateTtlDays: z.number().int().min(1).max(3650).default(400),
  })
  .superRefine((config, ctx) => {
    if (Object.keys(config.tiers).length === 0) {
      ctx.addIssue({ code: 'custom', path: ['tiers'], message: 'at least one tier is required' });
    }
    if (!(config.defaultTier in config.tiers)) {
      ctx.addIssue({
        code: 'custom',
        path: ['defaultTier'],
        message: `"${config.defaultTier}" is not one of the tiers (${Object.keys(config.tiers).join(', ')})`,
      });
    }
  });
export type PipelineConfig = z.infer<typeof pipelineConfigSchema>;

/** Formats zod issues as `field: message` lines; used for cdk.json errors and input errors. */
export function describeIssues(error: z.ZodError, prefix = ''): { field: string; message: string }[] {
  const out: { field: string; message: string }[] = [];
  for (const issue of error.issues) {
    const base = [prefix, ...issue.path.map(String)].filter((p) => p !== '').join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push({ field: base ? `${base}.${key}` : key, message: 'unknown field' });
      }
    } else {
      out.push({ field: base || '(input)', message: issue.message });
    }
  }
  return out;
}

/** Parses cdk.json context; throws an error naming every bad key (a synth-time failure). */
export function parsePipelineConfig(raw: unknown): PipelineConfig {
  const result = pipelineConfigSchema.safeParse(raw ?? {});
  if (!result.success) {
    const lines = describeIssues(result.error, 'backupPipeline');
    throw new Error(`Invalid cdk.json context:\n${lines.map((l) => `  ${l.field}: ${l.message}`).join('\n')}`);
  }
  return result.data;
}
