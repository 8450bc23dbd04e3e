/**
 * Pipeline configuration: one schema for cdk.json context (validated at synth) and for the values
 * each Lambda receives in its environment. Defaults are what an operator gets with an empty context.
 */
import { z } from 'zod';
import { deadlineIssues, drillIssues, reservedKeys } from './config-guards';
import { organizationSchema } from './config-organization';
import { cronProblem } from './cron';
import { arnRegion, parseResourceArn, RESOURCE_TYPES } from './resource';
import { longestScheduleGap, timeZoneProblem } from './schedule-period';
import { isolatingFieldsOf, restorePlacementSchema } from './services/catalog';
import { modesConfigSchema, modesOf } from './services/modes';

/** CloudWatch Logs accepts only these retention periods (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export const tierNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,31}$/, 'tier names are lower-case letters, digits and hyphens');

/** EventBridge Scheduler cron: six fields, e.g. cron(0 2 * * ? *), each checked as Scheduler would (shared/cron.ts). */
const cronSchema = z.string().superRefine((expression, ctx) => {
  const problem = cronProblem(expression);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** An AWS region name, e.g. us-west-2. */
export const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d$/;

/**
 * The regions the pipeline works in (`regions`): tag discovery runs in each, and retention lists each.
 * Names must be AWS region names, each once. Unset (null, the default) means the deployment region:
 * the stack is environment-agnostic, so that region is known only where the Lambdas run, and each
 * resolves it as its own region (`configuredRegions`). Whether each is enabled is AWS's answer at Plan.
 */
export const regionsSchema = z
  .array(z.string().regex(REGION_NAME, 'not an AWS region name (e.g. us-west-2)'))
  .min(1, 'name at least one region, or null for the deployment region')
  .max(30, 'at most 30 regions')
  .superRefine((regions, ctx) => {
    regions.forEach((region, index) => {
      if (regions.indexOf(region) !== index)
        ctx.addIssue({ code: 'custom', path: [index], message: `duplicate region ${region}` });
    });
  })
  .nullable();

/** The regions to work in: the configured ones, or (unset) the deployment region the caller runs in. */
export function configuredRegions(regions: readonly string[] | null | undefined, home: string): string[] {
  return regions && regions.length > 0 ? [...regions] : [home];
}

/** An RDS option group's name: 1 to 255 letters, digits or hyphens, a letter first (RDS CreateOptionGroup). */
const optionGroupName = z
  .string()
  .regex(/^[a-zA-Z][a-zA-Z0-9-]{0,254}$/, 'not an RDS option group name (letters, digits, hyphens; a letter first)');

/**
 * Where a backup is copied (`copyTo`): a region and, for encrypted sources, a KMS key there. Option
 * groups are regional: an RDS instance's snapshot in a non-default option group is copied into the
 * destination's group of the same name, or the one `optionGroups` maps the source's group to.
 */
export const copyTargetSchema = z.strictObject({
  region: z.string().regex(REGION_NAME, 'not an AWS region name (e.g. us-west-2)'),
  kmsKeyId: z.string().min(1).max(2048).optional(),
  optionGroups: z.record(optionGroupName, optionGroupName).optional(),
});

export const tagMapSchema = z.record(z.string().min(1).max(128), z.string().max(256));

/** An IANA time zone name EventBridge Scheduler evaluates a schedule in (e.g. Europe/Berlin). */
export const timeZoneSchema = z.string().superRefine((zone, ctx) => {
  const problem = timeZoneProblem(zone);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const tierSchema = z.strictObject({
  /** When the tier runs, in `timeZone`. Omit or null for a tier that is only started by hand. */
  schedule: cronSchema.nullable().default(null),
  /**
   * The IANA time zone the schedule is read in (e.g. Europe/Berlin: 02:00 local all year, daylight
   * saving time included). Omit for UTC.
   */
  timeZone: timeZoneSchema.optional(),
  /**
   * The tags that select this tier's resources when a run's input names no targets (scheduled runs
   * included): e.g. a weekly tier for a subset. Omit for `defaultTargetTags`.
   */
  targetTags: tagMapSchema
    .refine((tags) => Object.keys(tags).length > 0, 'name at least one tag (omit it to use defaultTargetTags)')
    .optional(),
  /** Backups of this tier expire this many days after they start. */
  retentionDays: z.number().int().min(1).max(3650),
  /** Keep at least this many newest backups per source, even when expired. */
  keepLast: z.number().int().min(0).max(1000).default(0),
  /**
   * Recovery point objective (its period plus a grace): alarm when a protected resource's last good
   * backup in this tier, or the tier's last run, is older than this many hours. Omit for a tier that is
   * only started by hand.
   */
  rpoHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 400)
    .optional(),
  /**
   * Regions every run of this tier copies its backups to (scheduled runs included). A run's own
   * `copyTo` input replaces it; regions and keys are checked at Plan like the input's.
   */
  copyTo: z
    .array(copyTargetSchema)
    .max(5, 'at most 5 copy regions')
    .superRefine((targets, ctx) => {
      const seen = new Set<string>();
      targets.forEach((t, index) => {
        if (seen.has(t.region))
          ctx.addIssue({ code: 'custom', path: [index, 'region'], message: `duplicate copy region ${t.region}` });
        seen.add(t.region);
      });
    })
    .optional(),
  /**
   * A backup (or copy) of this tier still running this long after it started is FAILED with reason
   * `timeout`. Omit for the default (`defaultDeadlineHours`): twice the schedule's longest gap, at least
   * 48 h and at most 7 days (AWS Backup's default completion window), never past the tier's retention.
   */
  deadlineHours: z
    .number()
    .min(1)
    .max(24 * 30)
    .optional(),
});
export type TierConfig = z.infer<typeof tierSchema>;

/** AWS Backup's default completion window: a first full snapshot of a multi-TB volume can take over a day. */
export const MAX_DEFAULT_DEADLINE_HOURS = 7 * 24;
/** The shortest default: room for a first full snapshot of a multi-TB volume (often 25-40 h). */
export const MIN_DEFAULT_DEADLINE_HOURS = 48;

/**
 * The deadline an operator would choose for a tier that names none. Long enough for a first full
 * snapshot of a multi-TB volume (which AWS completes in more than a day: a 24 h deadline fails them at
 * 92-98%, while AWS finishes them anyway), and at most 7 days like AWS Backup's completion window. A
 * scheduled tier waits at most twice its longest gap (a daily run may overlap its successor once, never
 * pile up: its notification and retention come at most two days late; weekly and longer get 7 days); a
 * manual tier gets 7 days. Never past the tier's retention: a backup must not expire before it is judged.
 */
export function defaultDeadlineHours(tier: Pick<TierConfig, 'schedule' | 'retentionDays' | 'timeZone'>): number {
  const gap = tier.schedule ? longestScheduleGap(tier.schedule, tier.timeZone) : undefined;
  const byGap =
    gap && gap !== 'never'
      ? Math.min(MAX_DEFAULT_DEADLINE_HOURS, Math.max(MIN_DEFAULT_DEADLINE_HOURS, Math.ceil((2 * gap.minutes) / 60)))
      : MAX_DEFAULT_DEADLINE_HOURS;
  return Math.min(byGap, tier.retentionDays * 24);
}

/** A tier's deadline: its own, else the one `polling.deadlineHours` sets for every tier, else its default. */
export function deadlineHoursOf(
  tier: Pick<TierConfig, 'schedule' | 'retentionDays' | 'deadlineHours' | 'timeZone'>,
  polling: { deadlineHours?: number | undefined },
): number {
  return tier.deadlineHours ?? polling.deadlineHours ?? defaultDeadlineHours(tier);
}

/**
 * Grandfather-father-son defaults, identical to cdk.json (a test holds them together). Longer tiers
 * start earlier on a shared day (monthly 00:00, weekly 01:00, daily 02:00) and yearly runs after them
 * (1 January 03:00), so no two tiers snapshot the same resource at once (RDS allows one snapshot in
 * progress per instance). rpoHours is each tier's longest gap plus a grace. Yearly keeps 7 years
 * (2557 days, leap days included), the usual audit horizon.
 */
export const DEFAULT_TIERS: Record<string, z.input<typeof tierSchema>> = {
  daily: { schedule: 'cron(0 2 * * ? *)', retentionDays: 7, keepLast: 0, rpoHours: 30 },
  weekly: { schedule: 'cron(0 1 ? * SUN *)', retentionDays: 35, keepLast: 0, rpoHours: 180 },
  monthly: { schedule: 'cron(0 0 1 * ? *)', retentionDays: 365, keepLast: 0, rpoHours: 768 },
  yearly: { schedule: 'cron(0 3 1 1 ? *)', retentionDays: 2557, keepLast: 0, rpoHours: 8808 },
};

/**
 * Tier rules that keep nothing, refused at synth (issue #4). A scheduled tier with keepLast 0 whose
 * backups expire before its next run holds none of its own backups for part of every period: its
 * restore point is gone while the schedule and the RPO alarm still promise one. That is the one
 * configuration whose rules genuinely keep nothing; keepLast >= 1 always keeps the newest, and a
 * manual tier (no schedule) keeps each backup for its retentionDays, so neither is refused. (The
 * newest backup of each source is always kept whatever its tier, but that does not keep the tier.)
 * Also refused, by the same measure: a schedule that never fires, and an rpoHours shorter than the
 * schedule's longest gap (its alarm would fire before every run). Syntax the schedule evaluator does
 * not cover (`W`, a restricted year) skips these checks rather than guessing. With a `timeZone` the
 * gap is measured in real time: a daylight-saving change lengthens a gap by its hour, and a run whose
 * local time the clock skips does not happen that day (EventBridge Scheduler skips it).
 */
export function tierPolicyIssues(tier: TierConfig): { field: keyof TierConfig; message: string }[] {
  if (!tier.schedule) return [];
  const gap = longestScheduleGap(tier.schedule, tier.timeZone);
  if (gap === undefined) return [];
  if (gap === 'never') return [{ field: 'schedule', message: 'never fires: no day matches this expression' }];
  const issues: { field: keyof TierConfig; message: string }[] = [];
  const gapDays = Math.ceil(gap.minutes / 1440);
  // Name the cause when the zone's clock changes make the gap longer than the expression reads.
  const wallGap = tier.timeZone ? longestScheduleGap(tier.schedule) : undefined;
  const shifted =
    wallGap && wallGap !== 'never' && gap.minutes > wallGap.minutes
      ? `, in ${tier.timeZone}, where daylight saving time shifts or skips a run`
      : '';
  if (tier.keepLast === 0 && tier.retentionDays * 1440 < gap.minutes) {
    issues.push({
      field: 'retentionDays',
      message: `${tier.retentionDays} day(s) with keepLast 0 keeps nothing: the schedule's longest gap between runs is ${gapDays} day(s)${shifted}, so every backup of this tier expires before the next exists; use retentionDays >= ${gapDays} or keepLast >= 1`,
    });
  }
  if (tier.rpoHours !== undefined && tier.rpoHours * 60 < gap.minutes) {
    issues.push({
      field: 'rpoHours',
      message: `${tier.rpoHours} h is shorter than the schedule's longest gap between runs (${Math.ceil(gap.minutes / 60)} h${shifted}): the RPO alarm would fire before ${shifted ? 'that' : 'every'} run`,
    });
  }
  return issues;
}

export const pollingSchema = z
  .strictObject({
    /** Shortest wait between two checks of one backup. */
    minWaitSeconds: z.number().int().min(5).max(3600).default(60),
    /** Longest wait between two checks of one backup (progress-aware waits rarely reach it). */
    maxWaitSeconds: z.number().int().min(60).max(86_400).default(21_600),
    /**
     * One deadline for every tier that sets none (`tiers.<t>.deadlineHours`); unset, each tier has its
     * default (config.ts `defaultDeadlineHours`).
     */
    deadlineHours: z
      .number()
      .min(1)
      .max(24 * 30)
      .optional(),
    /**
     * A backup AWS keeps refusing to start (the pending-snapshot or manual-snapshot quota's slots busy, a
     * database busy with another snapshot) is FAILED with reason `start window` this long after Plan
     * queued it, like AWS Backup's "start within": the run ends and the next one tries again, instead of
     * every queued resource retrying until its deadline. Unset: half the tier's deadline, which for a
     * daily tier is its 24 h gap: a start still refused when the tier's next run is due is left to that
     * run, which would otherwise be skipped as overlapping.
     */
    startWindowHours: z
      .number()
      .min(1)
      .max(24 * 30)
      .optional(),
  })
  .refine((p) => p.minWaitSeconds <= p.maxWaitSeconds, {
    message: 'minWaitSeconds must not exceed maxWaitSeconds',
    path: ['minWaitSeconds'],
  });
export type PollingConfig = z.infer<typeof pollingSchema>;

/** Why the archive classes are not offered for exports (docs/architecture.md, Restore). */
const ARCHIVE_REFUSED =
  'not offered: DynamoDB ImportTable cannot read an export in Glacier Flexible Retrieval or Deep Archive until every ' +
  'object is restored (RestoreObject, hours; up to 48 h); exports move to Glacier Instant Retrieval instead ' +
  '(glacierInstantRetrievalDays), which stays readable';

/**
 * Storage classes of DynamoDB exports in the backup bucket, in days after the export: Standard-IA,
 * then Glacier Instant Retrieval, both readable at once, so any export restores in minutes however old
 * (an archived one would first need a RestoreObject of each object: hours, up to 48 h for Deep
 * Archive). S3 rules: at least 30 days in Standard before Standard-IA, 30 days in Standard-IA before
 * the next transition. Each tier's exports expire with the tier's retention; a transition at or past
 * that age is dropped for that tier.
 */
export const exportStorageSchema = z
  .strictObject({
    infrequentAccessDays: z.number().int().min(30).default(30),
    glacierInstantRetrievalDays: z.number().int().positive().default(90),
    glacierDays: z.never({ error: ARCHIVE_REFUSED }).optional(),
    deepArchiveDays: z.never({ error: ARCHIVE_REFUSED }).optional(),
  })
  .superRefine((s, ctx) => {
    if (s.glacierInstantRetrievalDays < s.infrequentAccessDays + 30)
      ctx.addIssue({
        code: 'custom',
        path: ['glacierInstantRetrievalDays'],
        message: `must be at least 30 days after infrequentAccessDays (${s.infrequentAccessDays})`,
      });
  });
export type ExportStorageConfig = z.infer<typeof exportStorageSchema>;

/** A Lambda function's ARN (optionally a version or alias): what a drill's validation invokes. */
const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?$/;

/**
 * Where a restore goes in a region: a drill's own subnet, security groups and DB subnet group (isolated
 * settings), and the region's DB parameter, cluster parameter and option groups. All are regional names:
 * the source's recorded ones exist only in its own region, so a restore elsewhere takes these, else
 * AWS's defaults (the engine's default groups; the default VPC). The fields are the services' (each
 * catalog's `placement`): the one schema every placement is parsed with.
 */
export const drillPlacementSchema = restorePlacementSchema;

/**
 * Restore drills (issue #12): on a schedule, the latest good backup of chosen resources is restored,
 * checked (and validated by `validationFunctionArn` when set), timed, and always deleted. Null turns
 * drills and their alarms off. Defaults: weekly, Saturday 06:00 UTC (after the night's backups), one
 * resource per type and backup mode of the default tier, deleted as soon as it is checked, alarmed when
 * a type has had no successful drill for 8 days.
 */
export const drillsSchema = z.strictObject({
  /** When drills run, in `timeZone`; null: only started by hand (`backup-pipeline restore --drill`). */
  schedule: cronSchema.nullable().default('cron(0 6 ? * SAT *)'),
  /** The IANA time zone the schedule is read in (default UTC), as a tier's. */
  timeZone: timeZoneSchema.optional(),
  /** The tier whose protected resources are drilled (default: defaultTier). */
  tier: tierNameSchema.optional(),
  /** The types to drill (default: every type the tier protects). */
  types: z.array(z.enum(RESOURCE_TYPES)).min(1).optional(),
  /** Resources per type and backup mode each drill restores, chosen anew each time. */
  perType: z.number().int().min(0).max(5).default(1),
  /** Resources every drill restores, by ARN. */
  resources: z.array(z.string().startsWith('arn:')).max(25).default([]),
  /** How long a drill keeps what it restored (for inspection) before deleting it. */
  keepMinutes: z
    .number()
    .int()
    .min(0)
    .max(24 * 60)
    .default(0),
  /** Alarm when a drilled type has had no successful drill for this many days. */
  periodDays: z.number().int().min(1).max(400).default(8),
  /** A Lambda invoked with each restored resource; its answer passes or fails the drill (as AWS Backup's restore testing). */
  validationFunctionArn: z
    .string()
    .regex(LAMBDA_ARN, 'expected a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>)')
    .nullable()
    .default(null),
  /** Per region, where drills restore (their own subnet, security groups, DB subnet group); unset: the source's. */
  placement: z.record(z.string().regex(REGION_NAME, 'not an AWS region name'), drillPlacementSchema).default({}),
  /**
   * Lets drills restore where placement says nothing, on the source's networking (its subnet, security
   * groups, DB subnet group): beside production. Off unless set; synth refuses such drills otherwise.
   */
  allowSourceNetworking: z.boolean().default(false),
});
export type DrillsConfig = z.infer<typeof drillsSchema>;

export const DEFAULT_DRILLS: z.input<typeof drillsSchema> = {};

/**
 * Recovery from the loss of the home region (`recovery`; null: none). The stack is then deployed to
 * `homeRegion` (a DynamoDB global table needs its stack's region), the state table gets a replica in
 * each of `regions`, and each gets a restore-only recovery stack (`<stackName>-recovery`: the restore
 * state machine, its Lambdas, a topic, and the bucket DynamoDB exports are copied into), so
 * `backup-pipeline restore --region <dr>` works with the home region gone (docs/operations.md).
 */
export const recoverySchema = z
  .strictObject({
    homeRegion: z.string().regex(REGION_NAME, 'not an AWS region name (e.g. eu-west-1)'),
    regions: regionsSchema.unwrap().max(5, 'at most 5 recovery regions'),
    /**
     * Per recovery region, the drill validation function deployed there (`drills.validationFunctionArn`
     * is a Lambda of the home region, which answers nothing once that region is lost). A region with none
     * validates a drill's restores by their shape only, and the validation says so.
     */
    validationFunctionArns: z
      .record(
        z.string(),
        z.string().regex(/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:.+$/, 'not a Lambda function ARN'),
      )
      .default({}),
  })
  .superRefine((recovery, ctx) => {
    for (const [region, arn] of Object.entries(recovery.validationFunctionArns)) {
      if (!recovery.regions.includes(region))
        ctx.addIssue({
          code: 'custom',
          path: ['validationFunctionArns', region],
          message: `${region} is not one of recovery.regions`,
        });
      else if (arnRegion(arn) !== region)
        ctx.addIssue({
          code: 'custom',
          path: ['validationFunctionArns', region],
          message: `a function of ${arnRegion(arn)}: the recovery stack in ${region} invokes one of its own region`,
        });
    }
    recovery.regions.forEach((region, index) => {
      if (region === recovery.homeRegion)
        ctx.addIssue({
          code: 'custom',
          path: ['regions', index],
          message: `${region} is the home region: a recovery region must be another one`,
        });
    });
  });
export type RecoveryConfig = z.infer<typeof recoverySchema>;

/**
 * The configuration as the recovery stack in `region` runs it: the same, except that its drills validate
 * with the validation function of that region (none: by shape only), never with the home region's.
 */
export function recoveryStackConfig<C extends { drills: DrillsConfig | null; recovery: RecoveryConfig | null }>(
  config: C,
  region: string,
): C {
  if (!config.drills) return config;
  const here = config.recovery?.validationFunctionArns[region];
  return { ...config, drills: { ...config.drills, validationFunctionArn: here ?? null } };
}

export const pipelineConfigSchema = z
  .strictObject({
    /** Used as the `backup-pipeline:managed-by` tag value; cleanup touches only backups carrying it. */
    stackName: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/)
      .default('BackupPipeline'),
    tiers: z.record(tierNameSchema, tierSchema).default(DEFAULT_TIERS as never),
    defaultTier: tierNameSchema.default('daily'),
    /**
     * Regions where tag discovery runs and retention lists backups; null (the default) is the
     * deployment region. Explicit ARNs may name any region; copies go where `copyTo` says.
     */
    regions: regionsSchema.default(null),
    /** Resources carrying all of these tags are backed up when the input names no targets. */
    defaultTargetTags: tagMapSchema.default({ backup: 'true' }),
    /**
     * How many resources are backed up at once (Distributed Map MaxConcurrency). A waiting child costs
     * nothing; 2,000 lets 10,000 daily resources fit the 24 h gap while the start burst stays within what
     * the create APIs' buckets absorb (docs/architecture.md, Concurrency and pacing).
     */
    mapMaxConcurrency: z.number().int().min(1).max(10_000).default(2_000),
    polling: pollingSchema.default({ minWaitSeconds: 60, maxWaitSeconds: 21_600 }),
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
    /** Backup modes per type and per resource ARN (EC2: snapshots or AMI; DynamoDB: backup or export). */
    modes: modesConfigSchema,
    /** Lifecycle of DynamoDB exports in the backup bucket. */
    exportStorage: exportStorageSchema.default({ infrequentAccessDays: 30, glacierInstantRetrievalDays: 90 }),
    /** Scheduled restore drills; null turns them off. */
    drills: drillsSchema.nullable().default(drillsSchema.parse(DEFAULT_DRILLS)),
    /** Where restores run when the home region is lost (null: nowhere but home). */
    recovery: recoverySchema.nullable().default(null),
    /**
     * The member accounts a central pipeline protects (./config-organization.ts); absent: only the account
     * it is deployed in, and the templates are those of a single-account deployment.
     */
    organization: organizationSchema.optional(),
  })
  .superRefine((config, ctx) => {
    if (config.drills) {
      for (const issue of drillIssues(config.drills, config.tiers))
        ctx.addIssue({ code: 'custom', path: ['drills', issue.field], message: issue.message });
    }
    for (const [arn, mode] of Object.entries(config.modes.resources)) {
      const parsed = parseResourceArn(arn);
      const offered = parsed.ok ? modesOf(parsed.ref.type) : [];
      if (!parsed.ok || offered.length === 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['modes', 'resources', arn],
          message: parsed.ok
            ? `${parsed.ref.type} has only one backup mode`
            : `${parsed.reason}; keys are resource ARNs`,
        });
      } else if (!offered.includes(mode)) {
        ctx.addIssue({
          code: 'custom',
          path: ['modes', 'resources', arn],
          message: `"${mode}" is not a mode of ${parsed.ref.type} (one of: ${offered.join(', ')})`,
        });
      }
    }
    if (Object.keys(config.tiers).length === 0) {
      ctx.addIssue({ code: 'custom', path: ['tiers'], message: 'at least one tier is required' });
    }
    for (const [name, tier] of Object.entries(config.tiers)) {
      for (const issue of tierPolicyIssues(tier)) {
        ctx.addIssue({ code: 'custom', path: ['tiers', name, issue.field], message: issue.message });
      }
    }
    for (const issue of deadlineIssues(config.tiers, config.polling))
      ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    // Own names only: `in` finds "constructor" on Object.prototype.
    if (!Object.hasOwn(config.tiers, config.defaultTier)) {
      ctx.addIssue({
        code: 'custom',
        path: ['defaultTier'],
        message: `"${config.defaultTier}" is not one of the tiers (${Object.keys(config.tiers).join(', ')})`,
      });
    }
  });
export type PipelineConfig = z.infer<typeof pipelineConfigSchema>;

/**
 * Drills that would restore on production networking (issue #19): a drilled region (each of `regions`;
 * unset, the deployment region, unknown at synth, so at least one placement) whose placement lacks a
 * field that isolates a type the drills restore (catalog `isolatedBy`), unless allowSourceNetworking.
 * One issue per region, naming what it lacks; the synth refuses on any (infra/config.ts).
 */
export function drillIsolationIssues(config: PipelineConfig): { field: string; message: string }[] {
  const drills = config.drills;
  if (!drills || drills.allowSourceNetworking) return [];
  const needed = isolatingFieldsOf(drills.types ?? RESOURCE_TYPES);
  if (needed.length === 0) return [];
  const optIn = '(or set drills.allowSourceNetworking: true)';
  if (!config.regions?.length && Object.keys(drills.placement).length === 0)
    return [
      {
        field: 'drills.placement',
        message: `drills restore in the deployment region (regions unset): give its isolated placement (${needed.join(', ')}) under its name ${optIn}`,
      },
    ];
  const regions = config.regions?.length ? config.regions : Object.keys(drills.placement);
  return regions.flatMap((region) => {
    const placement = drills.placement[region] ?? {};
    const missing = needed.filter((f) => placement[f] === undefined);
    return missing.length === 0
      ? []
      : [
          {
            field: `drills.placement.${region}`,
            message: `drills would restore on production networking: missing ${missing.join(', ')} ${optIn}`,
          },
        ];
  });
}

/** What a drill schedule starts the restore state machine with (statemachines/restore.asl.json input). */
export function drillInput(drills: DrillsConfig, defaultTier: string): Record<string, unknown> {
  return {
    drill: true,
    select: {
      tier: drills.tier ?? defaultTier,
      ...(drills.types ? { types: drills.types } : {}),
      perType: drills.perType,
      resources: drills.resources,
    },
    keepMinutes: drills.keepMinutes,
    ...(Object.keys(drills.placement).length > 0 ? { placements: drills.placement } : {}),
    reason: 'scheduled restore drill',
  };
}

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

/** A cdk.json context that does not validate: the message names every bad key, one per line. */
export class InvalidConfigError extends Error {
  override readonly name = 'InvalidConfigError';
}

/** Parses cdk.json context; throws an InvalidConfigError naming every bad key (a synth-time failure). */
export function parsePipelineConfig(raw: unknown): PipelineConfig {
  const result = pipelineConfigSchema.safeParse(raw ?? {});
  const reserved = reservedKeys(raw, 'backupPipeline');
  if (!result.success || reserved.length > 0) {
    const lines = [...reserved, ...(result.success ? [] : describeIssues(result.error, 'backupPipeline'))];
    throw new InvalidConfigError(
      `Invalid cdk.json context:\n${lines.map((l) => `  ${l.field}: ${l.message}`).join('\n')}`,
    );
  }
  return result.data;
}
