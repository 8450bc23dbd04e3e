/**
 * The first step of the restore workflow (issue #12, statemachines/restore.asl.json to come): the
 * execution input validated (every bad field named at once, nothing touched), the restore point found
 * (by a backup's or a copy's id, or a resource's latest), the region chosen (the source's, or a DR
 * region that holds a completed copy), the ids there, the restore driver for the type and mode, and the
 * restored resource's name. Expected refusals are InvalidInputError, as Plan's are for a backup run.
 */
import { z } from 'zod';
import { InvalidInputError } from '../errors';

type InputProblem = { field: string; message: string };

import { RESOURCE_TYPES } from '../resource';
import { restoreDriverFor } from '../services';
import { type BackupPointStore, livePlaces, pointPlaces } from '../state/backup-points';
import type { BackupPoint } from '../state/records';

const placementSchema = z
  .object({
    availabilityZone: z.string().min(1).optional(),
    subnetId: z.string().min(1).optional(),
    securityGroupIds: z.array(z.string().min(1)).optional(),
    dbSubnetGroupName: z.string().min(1).optional(),
  })
  .strict();

export const restoreInputSchema = z
  .object({
    /** A backup's id (or its copy's, with `region`): the point it belongs to is restored. */
    backupId: z.string().min(1).optional(),
    /** A resource's ARN, with `latest`: its newest restore point. */
    resource: z.string().startsWith('arn:').optional(),
    latest: z.boolean().optional(),
    /** Where to restore: the source's region (default) or a DR region holding a completed copy. */
    region: z.string().min(1).optional(),
    /** The restored resource's name (identifier, table name, or Name tag); default `<source>-restored-<time>`. */
    name: z.string().min(1).max(63).optional(),
    /** A drill: restored into isolated placement, checked, timed, and always deleted. */
    drill: z.boolean().optional(),
    placement: placementSchema.optional(),
    reason: z.string().max(256).optional(),
  })
  .strict();
export type RestoreInput = z.infer<typeof restoreInputSchema>;

/** What Plan the restore hands every later step (`$.restore`): small, and validated by each handler. */
export const restorePlanSchema = z.object({
  restoreId: z.string().min(1),
  arn: z.string(),
  type: z.enum(RESOURCE_TYPES),
  /** The backup mode (null for a type with one way only). */
  mode: z.string().nullable(),
  /** The point's run and tier (what the operator chose from `backups`). */
  runId: z.string(),
  tier: z.string(),
  sourceRegion: z.string(),
  region: z.string(),
  backupIds: z.array(z.string()).min(1),
  name: z.string().min(1),
  drill: z.boolean(),
  /** A drill's isolated placement; null: the source's, as recorded. */
  placement: placementSchema.nullable(),
  settings: z.record(z.string(), z.unknown()),
});
export type RestorePlan = z.infer<typeof restorePlanSchema>;

/** Every problem with the input's shape, before any lookup. */
export function validateRestoreInput(raw: unknown): RestoreInput {
  const parsed = restoreInputSchema.safeParse(raw ?? {});
  const problems: InputProblem[] = parsed.success
    ? []
    : parsed.error.issues.map((issue) => ({
        field:
          issue.path.map(String).join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : '(input)'),
        message: issue.message,
      }));
  const input = parsed.success ? parsed.data : undefined;
  if (input) {
    if (!input.backupId && !input.resource)
      problems.push({ field: 'backupId', message: 'name a backup id, or a resource ARN with latest: true' });
    if (input.backupId && input.resource)
      problems.push({ field: 'resource', message: 'name a backup id or a resource, not both' });
    if (input.resource && input.latest !== true)
      problems.push({ field: 'latest', message: 'a resource is restored from its latest point: set latest: true' });
  }
  if (problems.length > 0 || !input) throw new InvalidInputError(problems);
  return input;
}

/** A name AWS accepts for every type: letters, digits and hyphens, starting with a letter, at most 63. */
export function defaultRestoreName(resourceId: string, at: Date): string {
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, '')
    .toLowerCase();
  const base = resourceId.replace(/[^a-zA-Z0-9-]/g, '-').replace(/^[^a-zA-Z]+/, 'r-');
  return `${base.slice(0, 63 - stamp.length - 10)}-restored-${stamp}`.replace(/--+/g, '-');
}

/**
 * The region and ids to restore from: the source's, or a completed copy's in the asked region, unless
 * retention has deleted the backups there (the point stays while a copy elsewhere is kept).
 */
function placeOf(point: BackupPoint, region: string | undefined): { region: string; backupIds: string[] } {
  const wanted = region ?? point.region;
  const live = livePlaces(point);
  const place = live.find((p) => p.region === wanted);
  if (place) return { region: wanted, backupIds: place.ids };
  const where = live.map((p) => p.region).join(', ');
  const message = pointPlaces(point).some((p) => p.region === wanted)
    ? `retention deleted this backup in ${wanted}; it can be restored in: ${where}`
    : `this backup has no completed copy in ${wanted}; it can be restored in: ${where}`;
  throw new InvalidInputError([{ field: 'region', message }]);
}

export async function planRestore(
  raw: unknown,
  request: { restoreId: string; points: Pick<BackupPointStore, 'findById' | 'list'>; now: Date },
): Promise<RestorePlan> {
  const input = validateRestoreInput(raw);
  let point: BackupPoint | undefined;
  if (input.backupId) {
    point = await request.points.findById(input.backupId);
    if (!point)
      throw new InvalidInputError([
        {
          field: 'backupId',
          message: `no backup ${input.backupId} is recorded: list them with "backup-pipeline backups <resource>"`,
        },
      ]);
  } else if (input.resource) {
    [point] = await request.points.list(input.resource);
    if (!point)
      throw new InvalidInputError([{ field: 'resource', message: `no backup of ${input.resource} has completed` }]);
  }
  if (!point) throw new InvalidInputError([{ field: 'backupId', message: 'nothing to restore' }]);
  // A copy's id names its region: restoring it means restoring there, unless the input says otherwise.
  const copyRegion = input.backupId
    ? point.copies.find((c) => c.ids.includes(input.backupId as string))?.region
    : undefined;
  const place = placeOf(point, input.region ?? copyRegion);
  if (!restoreDriverFor(point.type, point.mode))
    throw new InvalidInputError([
      {
        field: 'backupId',
        message: `a ${point.type} backup${point.mode ? ` (mode ${point.mode})` : ''} cannot be restored yet`,
      },
    ]);
  return {
    restoreId: request.restoreId,
    arn: point.arn,
    type: point.type,
    mode: point.mode ?? null,
    runId: point.runId,
    tier: point.tier,
    sourceRegion: point.region,
    region: place.region,
    backupIds: place.backupIds,
    name: input.name ?? defaultRestoreName(point.resourceId, request.now),
    drill: input.drill ?? false,
    placement: input.placement ?? null,
    settings: point.restoreSettings ?? {},
  };
}
