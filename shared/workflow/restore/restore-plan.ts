/**
 * The first step of the restore workflow (issue #12, statemachines/restore.asl.json): the execution
 * input validated (every bad field named at once, nothing touched), and for each restore the restore
 * point found (by a backup's or a copy's id, a resource's latest, or a drill's selection), the region
 * chosen (the source's, or a DR region that holds a completed copy), the ids there, the restore driver
 * for the type and mode, and the restored resource's name. Expected refusals are InvalidInputError, as
 * Plan's are for a backup run.
 */
import { z } from 'zod';
import { InvalidInputError } from '../../errors';

import { RESOURCE_TYPES } from '../../resource';
import { restorePlacementSchema } from '../../services/catalog';
import { regionFacts, restoreDriverFor } from '../../services/index';
import type { RegionFacts } from '../../services/restore';
import type { RestorePoint } from '../../state/records';
import { livePlaces, pointPlaces } from '../../state/restore-points';
import {
  type DrillSources,
  drillSelectionSchema,
  MAX_DRILL_PLAN_BYTES,
  type SkippedTarget,
  selectDrillTargets,
} from '../drills/drill-selection';
import { type ApplicationSources, applicationSchema, selectApplication } from './application-selection';

type InputProblem = { field: string; message: string };

/** A region's placement: the drill's isolated networking and the region's groups (the services' fields). */
const placementSchema = restorePlacementSchema;

export const restoreInputSchema = z
  .object({
    /** A backup's id (or its copy's, with `region`): the point it belongs to is restored. */
    backupId: z.string().min(1).optional(),
    /** A resource's ARN, with `latest`: its newest restore point. */
    resource: z.string().startsWith('arn:').optional(),
    latest: z.boolean().optional(),
    /** Where to restore: the source's region (default) or a DR region holding a completed copy. */
    region: z.string().min(1).optional(),
    /**
     * The restored resource's name (identifier, table name, or Name tag); default `<source>-restored-<time>`.
     * Bounded here only against abuse: Plan asks the type's driver for AWS's rule (the longest any type
     * takes is an EC2 Name tag's 256 Unicode characters).
     */
    name: z.string().min(1).max(1024).optional(),
    /** A drill: restored into isolated placement, checked, timed, and always deleted. */
    drill: z.boolean().optional(),
    /** A drill of several resources (a drill schedule's input): which ones, instead of backupId or resource. */
    select: drillSelectionSchema.optional(),
    /**
     * An application (issue #19): every resource whose recorded tags carry all of `tags`, restored in
     * waves (`order`, or databases first), instead of backupId, resource or select.
     */
    application: applicationSchema.optional(),
    /** How long a drill keeps what it restored (for inspection) before deleting it. */
    keepMinutes: z
      .number()
      .int()
      .min(0)
      .max(24 * 60)
      .optional(),
    placement: placementSchema.optional(),
    /** Per region, where a drill's restores go (a drill schedule's `placement`); `placement` wins. */
    placements: z.record(z.string(), placementSchema).optional(),
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
  /** How long a drill keeps what it restored before deleting it (0 for a restore). */
  keepSeconds: z.number().int().min(0).default(0),
  /** An application's restore: its wave (1 first); absent for a single restore or a drill (one wave). */
  wave: z.number().int().min(1).optional(),
  /** When the restored data is from: the backup's start (RestorePoint.takenAt), else its completion. */
  dataAt: z.string().optional(),
});
export type RestorePlan = z.infer<typeof restorePlanSchema>;

/** What Plan the restores returns (`$.plan`): each restore, and what a drill could not restore. */
export interface RestoresPlan {
  restores: RestorePlan[];
  drill: boolean;
  skipped: SkippedTarget[];
  /** An application's restores: a name in use skips that one restore, as a drill's does. */
  application?: boolean;
}

/**
 * What the state machine carries (`$.plan`): the restores in waves, each wave's restores started once
 * every restore of the wave before has ended. A single restore and a drill are one wave. The restores
 * ride once, in their wave only: the plan stays within MAX_DRILL_PLAN_BYTES.
 */
export interface WavesPlan {
  waves: { restores: RestorePlan[] }[];
  drill: boolean;
  skipped: SkippedTarget[];
}

export function inWaves(plan: RestoresPlan): WavesPlan {
  const numbers = [...new Set(plan.restores.map((r) => r.wave ?? 1))].sort((a, b) => a - b);
  const waves = numbers.map((n) => ({ restores: plan.restores.filter((r) => (r.wave ?? 1) === n) }));
  return { waves: waves.length > 0 ? waves : [{ restores: [] }], drill: plan.drill, skipped: plan.skipped };
}

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
    const named = [
      input.backupId && 'backupId',
      input.resource && 'resource',
      input.select && 'select',
      input.application && 'application',
    ].filter((f): f is string => Boolean(f));
    if (named.length === 0)
      problems.push({
        field: 'backupId',
        message: 'name a backup id, a resource ARN with latest: true, an application, or (a drill) a select',
      });
    if (named.length > 1)
      problems.push({ field: named[1] ?? 'resource', message: `name one of ${named.join(', ')}, not several` });
    if (input.select && input.drill !== true)
      problems.push({ field: 'select', message: 'a selection of resources is a drill: set drill: true' });
    if (input.keepMinutes !== undefined && input.drill !== true)
      problems.push({ field: 'keepMinutes', message: 'only a drill deletes what it restored: set drill: true' });
    if (input.select && input.name)
      problems.push({ field: 'name', message: "a drill's restores are named after their sources" });
    if (input.application && input.name)
      problems.push({ field: 'name', message: "an application's restores are named after their sources" });
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
function placeOf(point: RestorePoint, region: string | undefined): { region: string; backupIds: string[] } {
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

/**
 * The region a backup id restores in when the input names none: where `backups` lists it. A DR copy's
 * own id names its region; but an RDS or Aurora copy keeps its original's identifier, so an id that is
 * also the source's restores in the source's region while that backup is kept there, and in a live
 * copy's region only once retention has deleted it at the source.
 */
function regionOfId(point: RestorePoint, id: string): string | undefined {
  const live = livePlaces(point);
  if (point.backupIds.includes(id) && live.some((p) => p.region === point.region)) return point.region;
  return (live.find((p) => p.ids.includes(id)) ?? pointPlaces(point).find((p) => p.ids.includes(id)))?.region;
}

export interface PlanRequest {
  /** The execution's name: a single restore's id, and the prefix of a drill's (`<name>-<n>`). */
  restoreId: string;
  points: { findById(id: string): Promise<RestorePoint | undefined> } & Pick<DrillSources, 'list'>;
  /** The tier's protected resources (with their recorded tags), for a drill's or an application's selection. */
  latestPoints: ApplicationSources['latestPoints'];
  /** The tier a selection names none of: the pipeline's default tier. */
  defaultTier: string;
  now: Date;
  /** What placement checks learn of regions (default: asked of AWS, once per region per Plan). */
  facts?: RegionFacts;
}

/** What the restore's region lacks for its placement (its driver's check), as input problems. */
async function placementProblems(restore: RestorePlan, facts: RegionFacts): Promise<InputProblem[]> {
  const driver = restoreDriverFor(restore.type, restore.mode ?? undefined);
  return (await driver?.checkPlacement?.(restore, facts)) ?? [];
}

/** The restores an execution makes: one (a backup id, a resource's latest), or a drill's selection. */
export async function planRestores(raw: unknown, request: PlanRequest): Promise<RestoresPlan> {
  const input = validateRestoreInput(raw);
  const drill = input.drill ?? false;
  const facts = request.facts ?? regionFacts();
  if (input.application) {
    const selection = { ...input.application, tier: input.application.tier ?? request.defaultTier };
    const { targets, skipped } = await selectApplication(
      selection,
      { list: (arn) => request.points.list(arn), latestPoints: request.latestPoints },
      input.region,
    );
    // A tag mistyped on the worst day is said at once, not found out from an empty success.
    if (targets.length === 0 && skipped.length === 0)
      throw new InvalidInputError([
        {
          field: 'application.tags',
          message: `no resource the ${selection.tier} tier protects carries ${Object.entries(selection.tags)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ')} (its tags as recorded at its last backup)`,
        },
      ]);
    const restores = await planTargets(targets, input, request, facts, skipped, input.region);
    return { restores, drill, skipped, application: true };
  }
  if (!input.select) {
    const restore = await planRestore(input, request);
    // Refused before anything is recorded or made: a restore AWS would refuse half-way is never started.
    const problems = await placementProblems(restore, facts);
    if (problems.length > 0) throw new InvalidInputError(problems);
    return { restores: [restore], drill, skipped: [] };
  }
  const selection = { ...input.select, tier: input.select.tier ?? request.defaultTier };
  const { targets, skipped } = await selectDrillTargets(
    selection,
    { list: (arn) => request.points.list(arn), latestPoints: request.latestPoints },
    request.restoreId,
  );
  const restores = await planTargets(
    targets.map((point) => ({ point })),
    input,
    request,
    facts,
    skipped,
    undefined,
  );
  return { restores, drill, skipped };
}

/**
 * The restores of several points (a drill's, an application's), `<name>-<n>` in the targets' order: each
 * restorable one planned, each other named in `skipped` with why, the whole within MAX_DRILL_PLAN_BYTES.
 */
async function planTargets(
  targets: { point: RestorePoint; wave?: number }[],
  input: RestoreInput,
  request: PlanRequest,
  facts: RegionFacts,
  skipped: SkippedTarget[],
  /** Where to restore (an application's `region`); undefined: the source's, else a live copy's. */
  region: string | undefined,
): Promise<RestorePlan[]> {
  const restores: RestorePlan[] = [];
  let bytes = 0;
  for (const [index, { point, wave }] of targets.entries()) {
    const driver = restoreDriverFor(point.type, point.mode);
    if (!driver) {
      skipped.push({ arn: point.arn, reason: `a ${point.type} backup (mode ${point.mode}) cannot be restored yet` });
      continue;
    }
    // The asked region's backups; else the source region's, or (retention deleted those) a copy still kept.
    const live = livePlaces(point);
    const place = region ? live.find((p) => p.region === region) : live[0];
    if (!place) {
      skipped.push({
        arn: point.arn,
        reason: region
          ? `its latest restore point has no backup kept in ${region}`
          : 'retention deleted every backup of its latest restore point',
      });
      continue;
    }
    const planned = fromPoint(point, input, `${request.restoreId}-${index + 1}`, request.now, place.region, place.ids);
    const restore = wave === undefined ? planned : { ...planned, wave };
    const nameProblem = driver.nameProblem(restore.name);
    if (nameProblem) {
      skipped.push({ arn: point.arn, reason: `its restore cannot be named so: ${nameProblem}` });
      continue;
    }
    const problems = await placementProblems(restore, facts);
    if (problems.length > 0) {
      skipped.push({ arn: point.arn, reason: problems.map((p) => `${p.field}: ${p.message}`).join('; ') });
      continue;
    }
    const size = Buffer.byteLength(JSON.stringify(restore));
    if (bytes + size > MAX_DRILL_PLAN_BYTES) {
      skipped.push({ arn: point.arn, reason: `over the ${MAX_DRILL_PLAN_BYTES / 1024} KiB a drill's plan carries` });
      continue;
    }
    bytes += size;
    restores.push(restore);
  }
  return restores;
}

/** One restore of a point, restored in `region` from `backupIds` there. */
function fromPoint(
  point: RestorePoint,
  input: RestoreInput,
  restoreId: string,
  now: Date,
  region: string,
  backupIds = point.backupIds,
): RestorePlan {
  // The driver's naming rule is asked by the callers (planRestore refuses, a drill skips).
  const name = input.name ?? defaultRestoreName(point.resourceId, now);
  return {
    restoreId,
    arn: point.arn,
    type: point.type,
    mode: point.mode ?? null,
    runId: point.runId,
    tier: point.tier,
    sourceRegion: point.region,
    region,
    backupIds,
    name,
    drill: input.drill ?? false,
    placement: input.placement ?? input.placements?.[region] ?? null,
    settings: point.restoreSettings ?? {},
    keepSeconds: (input.keepMinutes ?? 0) * 60,
    dataAt: point.takenAt ?? point.completedAt,
  };
}

async function planRestore(input: RestoreInput, request: PlanRequest): Promise<RestorePlan> {
  let point: RestorePoint | undefined;
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
  const place = placeOf(point, input.region ?? (input.backupId ? regionOfId(point, input.backupId) : undefined));
  const driver = restoreDriverFor(point.type, point.mode);
  if (!driver)
    throw new InvalidInputError([
      {
        field: 'backupId',
        message: `a ${point.type} backup${point.mode ? ` (mode ${point.mode})` : ''} cannot be restored yet`,
      },
    ]);
  const restore = fromPoint(point, input, request.restoreId, request.now, place.region, place.backupIds);
  // AWS's rule for what the type makes, before anything is recorded or made (else Start fails on it).
  const nameProblem = driver.nameProblem(restore.name);
  if (nameProblem) throw new InvalidInputError([{ field: 'name', message: nameProblem }]);
  return restore;
}
