/**
 * Which resources an application restore brings back, and in which wave (issue #19 item 12, the
 * region-loss game day): every resource of the tier's latest-point partition whose recorded tags
 * (LatestPointRecord.resourceTags, written at backup time: with the home region lost the sources
 * cannot be asked) carry all of the application's tags, each from its newest point restorable in the
 * asked region. The waves come from the operator's `order` (lists of types) or, by default, from each
 * type's `restoreWave` in its service's catalog (the databases first, then the instances); a type the
 * order does not name joins a last wave, so nothing of the application is silently left out.
 */
import { z } from 'zod';
import { recordedType } from '../../resource';
import { defaultRestoreWaves, RESOURCE_TYPES, type ResourceType } from '../../services/catalog';
import type { LatestPointRecord, RestorePoint } from '../../state/records';
import { livePlaces } from '../../state/restore-points';
import { matchesTags } from '../../tags';
import { MAX_DRILL_RESTORES, type SkippedTarget } from '../drills/drill-selection';

export const applicationSchema = z
  .object({
    /** The application's tags: a resource is part of it when its recorded tags carry every one. */
    tags: z
      .record(z.string().min(1).max(128), z.string().max(256))
      .refine((tags) => Object.keys(tags).length > 0, 'name at least one tag'),
    /** The tier whose protected resources are candidates (default: the pipeline's default tier). */
    tier: z.string().min(1).optional(),
    /** The waves: each a list of resource types, every type at most once (default: the catalogs' restoreWave). */
    order: z
      .array(z.array(z.enum(RESOURCE_TYPES)).min(1))
      .min(1)
      .superRefine((waves, ctx) => {
        const seen = new Set<string>();
        for (const [i, wave] of waves.entries())
          for (const [j, type] of wave.entries()) {
            if (seen.has(type))
              ctx.addIssue({ code: 'custom', path: [i, j], message: `${type} is in more than one wave` });
            seen.add(type);
          }
      })
      .optional(),
  })
  .strict();
export type ApplicationSelection = z.infer<typeof applicationSchema>;

export interface ApplicationSources {
  /** A resource's points, newest first (RestorePointStore.list). */
  list(arn: string): Promise<RestorePoint[]>;
  /** The tier's protected resources with their recorded tags (StateStore.listLatestPoints). */
  latestPoints(tier: string): Promise<Pick<LatestPointRecord, 'arn' | 'type' | 'resourceTags'>[]>;
}

export interface ApplicationTarget {
  point: RestorePoint;
  /** 1 for the first wave. */
  wave: number;
}

/** The waves as restored: the order's, then (when it names not every type) the rest in one last wave. */
export function applicationWaves(order: readonly (readonly ResourceType[])[] | undefined): ResourceType[][] {
  if (!order) return defaultRestoreWaves();
  const named = new Set(order.flat());
  const rest = RESOURCE_TYPES.filter((t) => !named.has(t));
  return [...order.map((w) => [...w]), ...(rest.length > 0 ? [rest] : [])];
}

/**
 * Why a resource's newest point has nothing to restore in `region`: its copy's own reason (an on-demand
 * DynamoDB backup is not copied across regions, a copy that failed), no copy to it at all, or retention.
 */
function notRestorableIn(newest: RestorePoint | undefined, region: string): string {
  if (!newest) return 'no backup of it has completed';
  const missing = newest.notCopied?.find((c) => c.region === region);
  if (missing)
    return missing.reason
      .replace(/^not copied/, `not copied to ${region}`)
      .replace(/^copy failed/, `copy to ${region} failed`);
  const copied = newest.region === region || newest.copies.some((c) => c.region === region);
  if (!copied) return `never copied to ${region} (no copyTo names it)`;
  return `retention deleted its backups in ${region}`;
}

/**
 * The application's resources, each with its newest point restorable in `region` (default: the first
 * region holding a live backup of its newest point, its own first), in wave order then ARN order so a
 * retried Plan numbers them alike; what cannot be restored is named with why.
 */
export async function selectApplication(
  selection: ApplicationSelection & { tier: string },
  sources: ApplicationSources,
  region: string | undefined,
): Promise<{ targets: ApplicationTarget[]; skipped: SkippedTarget[] }> {
  const waves = applicationWaves(selection.order);
  const waveOf = (type: ResourceType) => waves.findIndex((w) => w.includes(type)) + 1;
  const members = (await sources.latestPoints(selection.tier))
    .filter((r) => matchesTags(r.resourceTags, selection.tags))
    .map((r) => ({ arn: r.arn, type: recordedType(r) }))
    .flatMap((r) => (r.type ? [{ arn: r.arn, wave: waveOf(r.type) }] : []))
    .sort((a, b) => a.wave - b.wave || a.arn.localeCompare(b.arn));
  const targets: ApplicationTarget[] = [];
  const skipped: SkippedTarget[] = [];
  for (const member of members) {
    const points = await sources.list(member.arn);
    const point = region ? points.find((p) => livePlaces(p).some((l) => l.region === region)) : points[0];
    if (!point) {
      skipped.push({
        arn: member.arn,
        reason: region ? notRestorableIn(points[0], region) : 'no backup of it has completed',
      });
      continue;
    }
    if (targets.length >= MAX_DRILL_RESTORES) {
      skipped.push({ arn: member.arn, reason: `over the ${MAX_DRILL_RESTORES} restores one execution makes` });
      continue;
    }
    targets.push({ point, wave: member.wave });
  }
  return { targets, skipped };
}
