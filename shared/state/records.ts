/**
 * The state table's items (DESIGN §4) as zod schemas: the store writes these shapes and parses every
 * item it reads through them, so a malformed item fails where it is read, naming its key and the bad
 * fields, instead of reaching Summarize, the CLI or the run report. Types are inferred from the schemas.
 *
 * Reads tolerate attributes the schemas do not name and keep them (`.loose()`): the table keys
 * (pk, sk, gsi1pk, ttl) ride along as they always did (`runs --json` prints them), and an item a newer
 * version wrote with a new attribute does not break an older CLI reading it.
 */
import { z } from 'zod';
import { RESOURCE_TYPES, resourceRefSchema } from '../resource';
import { tagListSchema } from '../tags';
import { copyStateSchema } from './backup-state';

export const RESOURCE_STATUSES = ['PENDING', 'CREATING', 'COPYING', 'COMPLETED', 'FAILED', 'SKIPPED'] as const;
export type ResourceStatus = (typeof RESOURCE_STATUSES)[number];
/** SKIPPED: a start that found another run of its tier still running, and backed nothing up. */
export const RUN_STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'SKIPPED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const runCountsSchema = z.object({
  total: z.number(),
  completed: z.number(),
  /** Backups that failed (or were left unfinished): no backup was made. */
  failed: z.number(),
  /** Backups that completed but whose copy failed (shared/workflow/backup/outcome.ts); absent on older runs. */
  copyFailed: z.number().optional(),
  skipped: z.number(),
  unfinished: z.number(),
});
export type RunCounts = z.infer<typeof runCountsSchema>;

/** What Apply retention did (a dry run: would do), as the run records it. */
export const runRetentionSchema = z.object({
  dryRun: z.boolean(),
  deleted: z.number(),
  kept: z.number(),
  failedDeletes: z.number(),
  deletedIds: z.array(z.string()),
  /** Units (`<region>.<service>`) whose child execution ended before their last pass: nothing counted of what they left. */
  failedUnits: z.array(z.string()).optional(),
});

/** One retention decision as the run records it; the optional fields are absent on older records. */
export const recordedRetentionDecisionSchema = z.object({
  id: z.string(),
  kind: z.string(),
  region: z.string(),
  action: z.string(),
  rule: z.string(),
  /** The deciding rule's code (shared/workflow/retention/retention-rules.ts RetentionRule). */
  ruleId: z.string().optional(),
  tier: z.string().optional(),
  source: z.string().optional(),
  /** The run that made it: with region, kind and source, the backup set decided as one. */
  runId: z.string().optional(),
  createdAt: z.string().optional(),
});
export type RecordedRetentionDecision = z.infer<typeof recordedRetentionDecisionSchema>;

/** A run that holds its tier's lock (see runLockRecordSchema). */
export const runLockHolderSchema = z.object({
  runId: z.string(),
  executionArn: z.string(),
  startedAt: z.string(),
});
export type RunLockHolder = z.infer<typeof runLockHolderSchema>;

/** `RUN#<runId>` / `RUN`. */
export const runRecordSchema = z.object({
  runId: z.string(),
  tier: z.string(),
  executionArn: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  status: z.enum(RUN_STATUSES),
  dryRun: z.boolean(),
  reason: z.string().optional(),
  expiresAt: z.string(),
  input: z.unknown(),
  counts: runCountsSchema.optional(),
  retention: runRetentionSchema.optional(),
  /** Every retention decision of the run and the rule behind it (capped, deletes first), for dry-run review. */
  retentionDecisions: z.array(recordedRetentionDecisionSchema).optional(),
  /** A SKIPPED run: the run of its tier that still ran when it started (the lock's holder). */
  skippedFor: runLockHolderSchema.optional(),
});
export type RunRecord = z.infer<typeof runRecordSchema>;

export const resourceErrorSchema = z.object({ error: z.string(), cause: z.string() });
export type ResourceError = z.infer<typeof resourceErrorSchema>;

/** `RUN#<runId>` / `RES#<arn>`. */
export const resourceRecordSchema = z.object({
  runId: z.string(),
  arn: z.string(),
  type: z.enum(RESOURCE_TYPES),
  region: z.string(),
  resourceId: z.string(),
  status: z.enum(RESOURCE_STATUSES),
  /** Why a resource was SKIPPED (or FAILED at plan), or how it was selected (an Aurora cluster via its member). */
  note: z.string().optional(),
  backupIds: z.array(z.string()).optional(),
  progress: z.number().optional(),
  polls: z.number().optional(),
  attempts: z.number().optional(),
  queuedAt: z.string(),
  startRequestedAt: z.string().optional(),
  /**
   * When an attempt last called a create that has no idempotency key (EBS CreateSnapshot(s), DynamoDB
   * CreateBackup): a later attempt looks for what it may have made only once a lookup can see it.
   */
  createCalledAt: z.string().optional(),
  /**
   * Per destination region, when an attempt of Start copies last called a copy that has no idempotency key
   * (EBS CopySnapshot): as `createCalledAt`, for the copies (shared/workflow/copies/copies.ts).
   */
  copyCalledAt: z.record(z.string(), z.string()).optional(),
  startedAt: z.string().optional(),
  deadline: z.string().optional(),
  lastCheckedAt: z.string().optional(),
  /** When each check ran, in order (the first MAX_POLL_TIMES only), for the run report's timeline. */
  pollTimes: z.array(z.string()).optional(),
  /** Size of the source in GiB when the backup started (provisioned, not used), for the cost estimate. */
  sizeGiB: z.number().optional(),
  finishedAt: z.string().optional(),
  error: resourceErrorSchema.optional(),
  /** Copies to other regions (`copyTo`), once a copy has started. */
  copies: z.array(copyStateSchema).optional(),
  /**
   * The source's own tags its backup gets, written by Plan from the description it made (RDS/Aurora
   * CopyTagsToSnapshot; [] when none) and passed by Start to the driver, which then describes nothing.
   * Absent on items written before Plan carried them, and when Plan did not learn them. Start hands
   * them to AWS, so more than AWS allows is refused here, naming the item, not in a CreateDBSnapshot.
   */
  sourceTags: tagListSchema.optional(),
  /**
   * All the source's own tags as Plan's discovery read them (Discovered.resourceTags); Record result keeps
   * them on the restore point and the tier's recovery point, where an application restore selects by them.
   */
  resourceTags: tagListSchema.optional(),
  /**
   * What restoring this resource's backup needs of it (zone, type, class, subnet group, ...), as discovery
   * described it at Plan (Discovered.restoreSettings); Record result keeps it with the backup point. Each
   * restore driver parses its own shape. Absent when discovery did not learn it.
   */
  restoreSettings: z.record(z.string(), z.unknown()).optional(),
});
export type ResourceRecord = z.infer<typeof resourceRecordSchema>;

/**
 * `POINTS#<arn>` / `RUN#<runId>`: one restore point of a resource, a backup of it that completed, with
 * its copies and what a restore needs of the source as it was then (the source may be gone when it is
 * restored). Written by Record result; `backups` lists a resource's points newest first and the restore
 * workflow reads the one it restores. Expires `ttlDays` after the backup does.
 */
export const restorePointSchema = z.object({
  arn: z.string(),
  type: z.enum(RESOURCE_TYPES),
  /** The backup mode, for types that offer a choice (which restore driver applies). */
  mode: resourceRefSchema.shape.mode,
  region: z.string(),
  resourceId: z.string(),
  runId: z.string(),
  tier: z.string(),
  backupIds: z.array(z.string()).min(1),
  completedAt: z.string(),
  /** The backup's expires-at tag: retention may delete it after this (never a source's last restore point). */
  expiresAt: z.string().optional(),
  sizeGiB: z.number().optional(),
  copies: z.array(copyStateSchema).default([]),
  /** The copies that do not exist (skipped or failed), by region, with why: nothing to restore there. */
  notCopied: z.array(z.object({ region: z.string(), reason: z.string() })).optional(),
  restoreSettings: z.record(z.string(), z.unknown()).optional(),
  /** When the backup started: the point in time its data is from (a restore's recovery point). */
  takenAt: z.string().optional(),
  /** The source's own tags when it was backed up (ResourceRecord.resourceTags): an application's selection. */
  resourceTags: tagListSchema.optional(),
  /**
   * The backups retention has deleted so far, as `<region>/<id>` (an RDS copy keeps its original's
   * identifier, so the id alone does not say which): a string set retention ADDs to, one delete at a
   * time, so the units of two regions mark one point concurrently without losing each other's.
   */
  deleted: z.preprocess((v) => (v instanceof Set ? [...v].sort() : v), z.array(z.string())).optional(),
});
export type RestorePoint = z.infer<typeof restorePointSchema>;

export const RESTORE_STATUSES = ['RESTORING', 'AVAILABLE', 'FAILED'] as const;
export type RestoreStatus = (typeof RESTORE_STATUSES)[number];

/** A drill's validation: PASSED or FAILED with why (the validation Lambda's message, or a check that failed). */
export const restoreValidationSchema = z.object({
  status: z.enum(['PASSED', 'FAILED']),
  message: z.string(),
  at: z.string(),
  /** The validation Lambda asked, when the drill configuration names one. */
  functionArn: z.string().optional(),
});
export type RestoreValidation = z.infer<typeof restoreValidationSchema>;

/** What a drill's clean-up did: DELETED (nothing left), or FAILED with what is left (alarmed and listed). */
export const restoreCleanupSchema = z.object({
  status: z.enum(['DELETED', 'FAILED']),
  at: z.string(),
  cause: z.string().optional(),
  leftovers: z.array(z.string()).optional(),
});

/**
 * `RESTORE#<restoreId>` / `RESTORE`: one restore (an operator's or a drill's), indexed with the runs by
 * start time under its own partition (gsi1pk `RESTORE`). Written at each step of restore.asl.json; the
 * recovery time is from the restore's start to the restored resource's available state.
 */
export const restoreRecordSchema = z.object({
  restoreId: z.string(),
  arn: z.string(),
  type: z.enum(RESOURCE_TYPES),
  mode: resourceRefSchema.shape.mode,
  /** The restore point's run and tier. */
  runId: z.string(),
  tier: z.string(),
  sourceRegion: z.string(),
  region: z.string(),
  backupIds: z.array(z.string()).min(1),
  name: z.string(),
  drill: z.boolean(),
  status: z.enum(RESTORE_STATUSES),
  startedAt: z.string(),
  restoredIds: z.array(z.string()).optional(),
  /** What the start asked AWS to make, each written before its create (`volume <name> from <snapshot>`). */
  creates: z.array(z.string()).optional(),
  polls: z.number().optional(),
  availableAt: z.string().optional(),
  recoverySeconds: z.number().optional(),
  /** The restored resource as AWS described it once available (class, size, ...), for the drill's check. */
  shape: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  finishedAt: z.string().optional(),
  error: resourceErrorSchema.optional(),
  /** A drill's validation: the restored resource's checks and the validation Lambda's answer. */
  validation: restoreValidationSchema.optional(),
  cleanup: restoreCleanupSchema.optional(),
  /** A drill clean-up's first attempt: its deadline (CLEANUP_DEADLINE_HOURS) runs from here. */
  cleanupStartedAt: z.string().optional(),
  /** An application's restore: its wave (1 first; a wave starts once every restore of the one before ended). */
  wave: z.number().int().min(1).optional(),
  /**
   * When the restored data is from (the backup's start; its completion for points that predate takenAt):
   * the recovery point, whose age an application restore reports.
   */
  dataAt: z.string().optional(),
  /** When Start the restore ran (its first recorded attempt); `startedAt` is the execution's start. */
  startCalledAt: z.string().optional(),
});
export type RestoreRecord = z.infer<typeof restoreRecordSchema>;

/**
 * `NAME#<type>#<region>#<name>` / `NAME`: the restore that claimed a name for what it will make, taken at
 * Plan before anything is made (shared/state/name-claims.ts). It holds until that restore is recorded
 * (`releasedAt`) or, should its execution never get there, `expiresAt` (its deadline and a day).
 */
export const nameClaimRecordSchema = z.object({
  type: z.string(),
  region: z.string(),
  name: z.string(),
  restoreId: z.string(),
  claimedAt: z.string(),
  expiresAt: z.string(),
  releasedAt: z.string().optional(),
});
export type NameClaimRecord = z.infer<typeof nameClaimRecordSchema>;

/** `BACKUP#<id>` / `POINT`: which point a backup id (or a copy's) belongs to, so `restore <id>` finds it. */
export const backupIdIndexSchema = z.object({ id: z.string(), arn: z.string(), runId: z.string() });
export type BackupIdIndex = z.infer<typeof backupIdIndexSchema>;

/**
 * `RECOVERY#<tier>` / `RES#<arn>` (the key prefix predates the name): a resource's latest restore point in a
 * tier, i.e. a resource the tier protects that has a backup to restore. Its newest good backup in the tier, written when a backup of that tier completes (Record result): the hourly
 * freshness check reads one partition per tier instead of every run that ever backed the resource up
 * (shared/workflow/freshness/latest-points.ts). A backup that completed but whose copy failed (Record failure)
 * notes `lastCopyFailedAt` only: it is restorable in its own region, so drills choose among these too,
 * but it is no good backup for freshness (a resource with only those has no `lastGoodAt`).
 */
export const latestPointRecordSchema = z.object({
  tier: z.string(),
  arn: z.string(),
  /**
   * The type it was backed up as: its ARN does not always say (an RDS cluster's ARN is the same for
   * Aurora, DocumentDB and Neptune). Absent on items written before it was noted: read from the ARN.
   */
  type: z.enum(RESOURCE_TYPES).optional(),
  lastGoodAt: z.string().optional(),
  lastGoodRunId: z.string().optional(),
  lastCopyFailedAt: z.string().optional(),
  /**
   * The resource's own tags at its newest backup in the tier (ResourceRecord.resourceTags): an application
   * restore finds its resources here by tag, one Query, with the source's region possibly gone.
   */
  resourceTags: tagListSchema.optional(),
});
export type LatestPointRecord = z.infer<typeof latestPointRecordSchema>;

/**
 * `LOCK#<tier>` / `RUN-LOCK`: the run of a tier that holds its lock (taken at Plan, released at the
 * end of the run, shared/workflow/backup/run-lock.ts). No TTL: a holder that died is found out through Step
 * Functions, not by age.
 */
export const runLockRecordSchema = runLockHolderSchema.extend({ tier: z.string(), takenAt: z.string() });
export type RunLockRecord = z.infer<typeof runLockRecordSchema>;

/** `COPY-REGIONS` / `REGION#<region>`: a region backups of this stack were ever copied to (no TTL). */
export const copyRegionRecordSchema = z.object({ region: z.string(), recordedAt: z.string() });
export type CopyRegionRecord = z.infer<typeof copyRegionRecordSchema>;

/** The table's own attributes on an item (keys, index key, expiry), which no reader outside the store needs. */
export const TABLE_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'ttl'] as const;

/** An item without the table's own attributes: what `--json` output and reports show. */
export function withoutTableAttributes<T extends object>(item: T): Omit<T, (typeof TABLE_ATTRIBUTES)[number]> {
  const copy = { ...item } as Record<string, unknown>;
  for (const key of TABLE_ATTRIBUTES) delete copy[key];
  return copy as Omit<T, (typeof TABLE_ATTRIBUTES)[number]>;
}

/** A malformed item's own keys when it has them (anything else reads as none). */
const itemKeyFieldsSchema = z
  .object({ pk: z.string().optional().catch(undefined), sk: z.string().optional().catch(undefined) })
  .catch({});

export interface ItemKey {
  pk: string;
  sk: string;
}

export const runKey = (runId: string): ItemKey => ({ pk: `RUN#${runId}`, sk: 'RUN' });
export const resourceKey = (runId: string, arn: string): ItemKey => ({ pk: `RUN#${runId}`, sk: `RES#${arn}` });
export const latestPointKey = (tier: string, arn: string): ItemKey => ({ pk: `RECOVERY#${tier}`, sk: `RES#${arn}` });
export const restorePointKey = (arn: string, runId: string): ItemKey => ({ pk: `POINTS#${arn}`, sk: `RUN#${runId}` });
export const backupIdKey = (id: string): ItemKey => ({ pk: `BACKUP#${id}`, sk: 'POINT' });
export const restoreKey = (restoreId: string): ItemKey => ({ pk: `RESTORE#${restoreId}`, sk: 'RESTORE' });
export const nameClaimKey = (type: string, region: string, name: string): ItemKey => ({
  pk: `NAME#${type}#${region}#${name}`,
  sk: 'NAME',
});
/** The GSI partition restores are listed under, newest first (the runs' index, its own partition). */
export const RESTORES_PARTITION = 'RESTORE';
export const runLockKey = (tier: string): ItemKey => ({ pk: `LOCK#${tier}`, sk: 'RUN-LOCK' });
/** One item per region backups were ever copied to (no TTL): retention lists them all. */
export const COPY_REGIONS_PARTITION = 'COPY-REGIONS';
export const copyRegionKey = (region: string): ItemKey => ({ pk: COPY_REGIONS_PARTITION, sk: `REGION#${region}` });

/** An item of the state table that does not match its schema: names the item and every bad field. */
export class MalformedItemError extends Error {
  override readonly name = 'MalformedItemError';

  constructor(
    readonly key: ItemKey,
    /** The bad fields as paths (`status`, `copies[0].ids`). */
    readonly fields: string[],
    problems: string[],
  ) {
    super(`state item ${key.pk} ${key.sk} is malformed: ${problems.join('; ')}`);
  }
}

const pathOf = (path: readonly PropertyKey[]) =>
  path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('') || '(item)';

/**
 * Parses one item read from the table (GetItem, a Query page, an update's ALL_NEW) through its schema.
 * The key is the item's own pk/sk when it carries them, else the one the reader asked for (projections
 * read no keys). Attributes the schema does not name are kept (see the file header).
 */
/**
 * Each schema's loose variant, made once: zod 4 compiles an object schema on its first parse, so a
 * variant made per call compiled on every item (a 10,000-resource run spent minutes in it).
 */
const looseSchemas = new WeakMap<z.ZodObject, z.ZodObject>();

function looseOf<Shape extends z.ZodRawShape>(schema: z.ZodObject<Shape>): z.ZodObject<Shape, z.core.$loose> {
  let loose = looseSchemas.get(schema);
  if (!loose) {
    loose = schema.loose();
    looseSchemas.set(schema, loose);
  }
  return loose as z.ZodObject<Shape, z.core.$loose>;
}

export function parseItem<Shape extends z.ZodRawShape>(
  schema: z.ZodObject<Shape>,
  item: unknown,
  key: ItemKey,
): z.output<z.ZodObject<Shape, z.core.$loose>> {
  const parsed = looseOf(schema).safeParse(item);
  if (parsed.success) return parsed.data;
  const own = itemKeyFieldsSchema.parse(item);
  const itemKey = { pk: own.pk ?? key.pk, sk: own.sk ?? key.sk };
  const issues = parsed.error.issues;
  throw new MalformedItemError(
    itemKey,
    [...new Set(issues.map((issue) => pathOf(issue.path)))],
    issues.map((issue) => `${pathOf(issue.path)}: ${issue.message}`),
  );
}
