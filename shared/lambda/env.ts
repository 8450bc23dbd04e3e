/**
 * Each function's environment, validated with zod at cold start. The CDK construct types the
 * environment it sets from these schemas, so a missing variable is a synth error, not a 3 a.m. page.
 */
import { z } from 'zod';
import { drillsSchema, pollingSchema, regionsSchema, tagMapSchema, tierNameSchema, tierSchema } from '../config';
import { ConfigurationError } from '../errors';
import { modesConfigSchema } from '../services/modes';

const json = <T extends z.ZodType>(schema: T) =>
  z.string().transform((text, ctx): z.infer<T> => {
    try {
      const parsed = schema.safeParse(JSON.parse(text));
      if (parsed.success) return parsed.data;
      ctx.addIssue({ code: 'custom', message: parsed.error.message });
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not valid JSON' });
    }
    return z.NEVER;
  });

export const baseEnvSchema = z.object({
  TABLE_NAME: z.string().min(1),
  STACK_NAME: z.string().min(1),
});

export const planEnvSchema = baseEnvSchema.extend({
  TIERS: json(z.record(tierNameSchema, tierSchema)),
  DEFAULT_TIER: tierNameSchema,
  DEFAULT_TARGET_TAGS: json(tagMapSchema),
  STATE_TTL_DAYS: z.coerce.number().int().min(1),
  MAP_MAX_CONCURRENCY: z.coerce.number().int().min(1),
  MODES: json(modesConfigSchema),
  /** Where tag discovery runs: config `regions`; null is the function's own (deployment) region. */
  REGIONS: json(regionsSchema),
  /** The stack's backup bucket: where the run's item list is written for the Map's ItemReader. */
  BACKUP_BUCKET: z.string().min(3),
});

export const backupEnvSchema = baseEnvSchema.extend({
  POLLING: json(pollingSchema),
  /** Each tier's deadline in hours, resolved at synth (config.ts `deadlineHoursOf`). */
  DEADLINE_HOURS: json(z.record(tierNameSchema, z.number().positive())),
  /** The stack's backup bucket: where DynamoDB exports are written. */
  BACKUP_BUCKET: z.string().min(3),
  /**
   * Config `recovery.regions`: the regions with a recovery stack, whose bucket (names.ts
   * recoveryBucketName) DynamoDB exports are copied into. Unset: none.
   */
  RECOVERY_REGIONS: json(z.array(z.string())).optional(),
});

export const notifyEnvSchema = baseEnvSchema.extend({
  TOPIC_ARN: z.string().min(1),
  /** The run summary also goes to this EventBridge bus, for other automation. */
  EVENT_BUS_NAME: z.string().min(1),
  NOTIFY_ON_SUCCESS: z.enum(['true', 'false']).transform((v) => v === 'true'),
});

export const retentionEnvSchema = baseEnvSchema.extend({
  TIERS: json(z.record(tierNameSchema, tierSchema)),
});

/** Plan retention names the regions: every configured one is listed, found or not this run. */
export const retentionUnitsEnvSchema = retentionEnvSchema.extend({
  /** Config `regions`; null is the function's own region. */
  REGIONS: json(regionsSchema),
});

/** Raw (string) environment a function needs: what the CDK construct must set. */
export type EnvOf<T extends z.ZodType> = { [K in keyof z.input<T>]: string };

export function loadEnv<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv = process.env): z.infer<T> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const names = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigurationError(`Invalid function environment: ${names}`);
  }
  return result.data;
}

/** Plan the restores: a drill that names no tier chooses from the default tier. */
export const planRestoreEnvSchema = baseEnvSchema.extend({ DEFAULT_TIER: tierNameSchema });

/** Validate a drill's restore: the validation Lambda the drill configuration names, if any. */
export const validateRestoreEnvSchema = baseEnvSchema.extend({
  VALIDATION_FUNCTION_ARN: z.string().optional(),
});

/** Notify about the restores: one message on the stack's topic. */
export const notifyRestoresEnvSchema = baseEnvSchema.extend({ TOPIC_ARN: z.string().min(1) });

export const freshnessEnvSchema = baseEnvSchema.extend({
  TIERS: json(z.record(tierNameSchema, tierSchema)),
  /** The drill configuration (null: no drills, no drill metrics) and the tier it drills by default. */
  DRILLS: json(drillsSchema.nullable()),
  DEFAULT_TIER: tierNameSchema,
});
