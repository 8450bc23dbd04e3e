/**
 * Configuration checks that span fields (shared/config.ts runs them at synth): names zod would drop, and
 * deadlines that would let a backup expire before it is judged, drill settings that cannot work.
 */
import { parseResourceArn } from './resource';
import { longestScheduleGap } from './schedule-period';

/**
 * Keys named `__proto__` anywhere in the context: zod's records drop them without a word (a tier of that
 * name vanished), so they are refused here, naming where.
 */
export function reservedKeys(value: unknown, path: string): { field: string; message: string }[] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) => [
    ...(key === '__proto__'
      ? [
          {
            field: `${path}.${key}`,
            message: `"${key}" cannot be a name here (JavaScript objects treat it specially, and it would be dropped)`,
          },
        ]
      : []),
    ...reservedKeys(inner, `${path}.${key}`),
  ]);
}

/**
 * A tier's deadline (its own, else `polling.deadlineHours`) past its retention: a backup still running
 * then expires before it is judged, which defaultDeadlineHours never allows. Named on the field that set it.
 */
export function deadlineIssues(
  tiers: Record<string, { retentionDays: number; deadlineHours?: number | undefined }>,
  polling: { deadlineHours?: number | undefined },
): { path: string[]; message: string }[] {
  const issues: { path: string[]; message: string }[] = [];
  for (const [name, tier] of Object.entries(tiers)) {
    const retentionHours = tier.retentionDays * 24;
    const retention = `(${tier.retentionDays} days = ${retentionHours} h)`;
    if (tier.deadlineHours !== undefined && tier.deadlineHours > retentionHours)
      issues.push({
        path: ['tiers', name, 'deadlineHours'],
        message: `${tier.deadlineHours} h is past the tier's retention ${retention}: its backups would expire before they are judged`,
      });
    if (
      tier.deadlineHours === undefined &&
      polling.deadlineHours !== undefined &&
      polling.deadlineHours > retentionHours
    )
      issues.push({
        path: ['polling', 'deadlineHours'],
        message: `${polling.deadlineHours} h is past the retention of tier ${name} ${retention}: give the tier its own deadlineHours`,
      });
  }
  return issues;
}

/** Drill settings that parse but cannot work: an unknown tier, a schedule that never fires or outruns the alarm. */
export function drillIssues(
  drills: {
    tier?: string | undefined;
    resources: readonly string[];
    perType: number;
    schedule: string | null;
    timeZone?: string | undefined;
    periodDays: number;
  },
  tiers: Record<string, unknown>,
): { field: string; message: string }[] {
  const issues: { field: string; message: string }[] = [];
  if (drills.tier !== undefined && !Object.hasOwn(tiers, drills.tier))
    issues.push({
      field: 'tier',
      message: `"${drills.tier}" is not one of the tiers (${Object.keys(tiers).join(', ')})`,
    });
  drills.resources.forEach((arn, index) => {
    const parsed = parseResourceArn(arn);
    if (!parsed.ok) issues.push({ field: `resources.${index}`, message: parsed.reason });
  });
  if (drills.perType === 0 && drills.resources.length === 0)
    issues.push({ field: 'perType', message: 'with perType 0 and no resources a drill restores nothing' });
  const gap = drills.schedule ? longestScheduleGap(drills.schedule, drills.timeZone) : undefined;
  if (gap === 'never') issues.push({ field: 'schedule', message: 'never fires: no day matches this expression' });
  else if (gap && drills.periodDays * 1440 < gap.minutes)
    issues.push({
      field: 'periodDays',
      message: `${drills.periodDays} day(s) is shorter than the schedule's longest gap between drills (${Math.ceil(gap.minutes / 1440)} days): the drill alarm would fire before every drill`,
    });
  return issues;
}
