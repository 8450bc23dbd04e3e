/**
 * Which resources a restore drill restores (issue #12 item 3): the ARNs the drill names, and per resource
 * type and backup mode up to `perType` resources of the drill's tier, chosen anew each drill (a rotation
 * seeded by the execution's name, so a retried Plan chooses the same and successive drills cover the
 * fleet). Candidates come from the tier's latest-point partition (one Query, one small item per
 * protected resource); each chosen resource is restored from its newest restore point, whatever its tier.
 *
 * A mode shows only in a resource's point, so per type at most POINT_READS_PER_TYPE shuffled candidates'
 * points are read: a mode that few resources of a type use may be missed by one drill and found by a
 * later one. A named ARN with no completed backup is not silently dropped: it is returned as skipped,
 * and the drill reports it as a failure.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { recordedType } from '../../resource';
import { RESOURCE_TYPES, type ResourceType } from '../../services/catalog';
import type { LatestPointRecord, RestorePoint } from '../../state/records';

/** Restores one drill execution makes at most: what the state machine carries stays far below 256 KiB. */
export const MAX_DRILL_RESTORES = 25;
/**
 * What a drill's planned restores may weigh, as JSON: the plan stays in the execution's state for the whole
 * Map, and a state over 256 KiB ends the execution with States.DataLimitExceeded, which nothing catches
 * (no clean-up would run). Restores past it are not made and are named, like those past the count.
 */
export const MAX_DRILL_PLAN_BYTES = 160 * 1024;
/** Per type, how many candidates' points a drill reads looking for each backup mode. */
export const POINT_READS_PER_TYPE = 20;

export const drillSelectionSchema = z
  .object({
    /** The tier whose protected resources are candidates (default: the pipeline's default tier). */
    tier: z.string().min(1).optional(),
    /** The types to drill (default: every type the tier protects). */
    types: z.array(z.enum(RESOURCE_TYPES)).min(1).optional(),
    /** How many resources per type and backup mode (0: only the named resources). */
    perType: z.number().int().min(0).max(5).default(1),
    /** Resources always drilled, by ARN. */
    resources: z.array(z.string().startsWith('arn:')).max(MAX_DRILL_RESTORES).default([]),
  })
  .strict();
export type DrillSelection = z.infer<typeof drillSelectionSchema>;

export interface DrillTarget {
  point: RestorePoint;
}

export interface SkippedTarget {
  arn: string;
  reason: string;
}

export interface DrillSources {
  /** A resource's points, newest first (RestorePointStore.list). */
  list(arn: string): Promise<RestorePoint[]>;
  /** The tier's protected resources (StateStore.listLatestPoints). */
  latestPoints(tier: string): Promise<Pick<LatestPointRecord, 'arn' | 'type'>[]>;
}

/** A stable order that differs per seed: the rotation across drills. */
function rotated<T extends { arn: string }>(items: readonly T[], seed: string): T[] {
  const key = (arn: string) => createHash('sha256').update(`${seed}\n${arn}`).digest('hex');
  return [...items].sort((a, b) => key(a.arn).localeCompare(key(b.arn)));
}

export async function selectDrillTargets(
  selection: DrillSelection & { tier: string },
  sources: DrillSources,
  seed: string,
): Promise<{ targets: RestorePoint[]; skipped: SkippedTarget[] }> {
  const targets: RestorePoint[] = [];
  const skipped: SkippedTarget[] = [];
  const chosen = new Set<string>();
  const add = (point: RestorePoint) => {
    if (chosen.has(point.arn)) return;
    if (targets.length >= MAX_DRILL_RESTORES) {
      skipped.push({ arn: point.arn, reason: `over the ${MAX_DRILL_RESTORES} restores one drill makes` });
      return;
    }
    chosen.add(point.arn);
    targets.push(point);
  };
  for (const arn of selection.resources) {
    const [point] = await sources.list(arn);
    if (point) add(point);
    else skipped.push({ arn, reason: 'no backup of it has completed' });
  }
  if (selection.perType === 0) return { targets, skipped };
  const byType = new Map<ResourceType, { arn: string }[]>();
  for (const candidate of await sources.latestPoints(selection.tier)) {
    const type = recordedType(candidate);
    if (!type || (selection.types && !selection.types.includes(type))) continue;
    byType.set(type, [...(byType.get(type) ?? []), candidate]);
  }
  for (const type of RESOURCE_TYPES) {
    const perMode = new Map<string, number>();
    for (const candidate of rotated(byType.get(type) ?? [], seed).slice(0, POINT_READS_PER_TYPE)) {
      if (chosen.has(candidate.arn)) continue;
      const [point] = await sources.list(candidate.arn);
      if (!point) continue;
      const mode = point.mode ?? '';
      if ((perMode.get(mode) ?? 0) >= selection.perType) continue;
      perMode.set(mode, (perMode.get(mode) ?? 0) + 1);
      add(point);
    }
  }
  return { targets, skipped };
}
