/**
 * Restore-drill freshness (issue #12 item 3): per drilled resource type, the hours since its last drill
 * that passed (restored, validated, cleaned up), published hourly by the freshness check as
 * `HoursSinceSuccessfulDrill` (dimension resourceType); each type's alarm fires past the drill
 * configuration's periodDays. A type the drill tier protects no resource of reports 0: there is nothing
 * to prove. A protected type never drilled successfully is measured from the deploy, so a new stack does
 * not page before its first drill is due. Pure, so the check and the tests share one definition.
 */
import { RESOURCE_TYPES, type ResourceType } from '../../resource';
import type { RestoreRecord } from '../../state/records';
import { restoreSucceeded } from '../restore/restore';

export interface TypeDrillFreshness {
  type: ResourceType;
  protected: boolean;
  lastPassedAt: string | undefined;
  /** Hours since lastPassedAt (or the deploy); 0 for an unprotected type; undefined when neither is known. */
  hoursSince: number | undefined;
  breached: boolean;
}

export function drillFreshness(
  restores: readonly RestoreRecord[],
  options: {
    types: readonly ResourceType[] | undefined;
    protectedTypes: ReadonlySet<ResourceType>;
    periodDays: number;
    now: Date;
    deployedAt: string | undefined;
  },
): TypeDrillFreshness[] {
  return (options.types ?? RESOURCE_TYPES).map((type) => {
    const lastPassedAt = restores
      .filter((r) => r.drill && r.type === type && restoreSucceeded(r))
      .map((r) => r.finishedAt ?? r.startedAt)
      .sort()
      .at(-1);
    const isProtected = options.protectedTypes.has(type);
    const from = lastPassedAt ?? options.deployedAt;
    // Never negative: a clock behind the deploy's (or a drill's) reads as just done.
    const hoursSince = !isProtected
      ? 0
      : from
        ? Math.max(0, (options.now.getTime() - Date.parse(from)) / 3_600_000)
        : undefined;
    return {
      type,
      protected: isProtected,
      lastPassedAt,
      hoursSince,
      breached: isProtected && (hoursSince === undefined || hoursSince > options.periodDays * 24),
    };
  });
}
