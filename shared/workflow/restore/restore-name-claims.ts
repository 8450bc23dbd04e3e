/**
 * Plan's last step before recording (functions/plan-restore.ts): each planned restore claims the name of
 * what it will make (shared/state/name-claims.ts). A restore whose name another restore holds is
 * refused at Plan, naming the field, the holder and a name that is free, before anything is recorded or
 * made; a drill's restore (named after its source and the time) is left out and reported as not
 * restored. Record the restore releases the claim (`releaseRestoreName`).
 */
import { InvalidInputError } from '../../errors';
import { restoreDriverFor } from '../../services/index';
import { type ClaimRef, holds, type NameClaimStore } from '../../state/name-claims';
import { RESTORE_DEADLINE_HOURS } from './restore';
import type { RestorePlan, RestoresPlan } from './restore-plan';

/** How long a claim outlives its restore's deadline when the execution never records it (aborted). */
const CLAIM_GRACE_HOURS = 24;

const refOf = (restore: Pick<RestorePlan, 'type' | 'region' | 'name'>): ClaimRef => ({
  type: restore.type,
  region: restore.region,
  name: restore.name,
});

/**
 * `<name>-2` … `<name>-9`: the first the type can take that no running restore holds (and, given
 * `inUse`, that nothing in the region holds: the CLI asks AWS before it starts a restore).
 */
export async function freeName(
  restore: Pick<RestorePlan, 'type' | 'mode' | 'region' | 'name'>,
  claims: Pick<NameClaimStore, 'get'>,
  now: Date,
  inUse: (name: string) => Promise<boolean> = async () => false,
) {
  const driver = restoreDriverFor(restore.type, restore.mode ?? undefined);
  for (let n = 2; n <= 9; n++) {
    const name = `${restore.name}-${n}`;
    if (driver?.nameProblem(name)) return undefined;
    const claim = await claims.get(refOf({ ...restore, name }));
    if ((!claim || !holds(claim, now)) && !(await inUse(name))) return name;
  }
  return undefined;
}

/** The running restore that holds the name `restore` would take, if one does. */
export async function nameClaimHolder(
  restore: Pick<RestorePlan, 'type' | 'region' | 'name'>,
  claims: Pick<NameClaimStore, 'get'>,
  now: Date,
) {
  const claim = await claims.get(refOf(restore));
  return claim && holds(claim, now) ? claim : undefined;
}

export async function claimRestoreNames(
  plan: RestoresPlan,
  claims: Pick<NameClaimStore, 'claim' | 'get'>,
  now: Date,
): Promise<RestoresPlan> {
  const expiresAt = new Date(now.getTime() + (RESTORE_DEADLINE_HOURS + CLAIM_GRACE_HOURS) * 3_600_000);
  const restores: RestorePlan[] = [];
  const skipped = [...plan.skipped];
  for (const restore of plan.restores) {
    const claimed = await claims.claim(refOf(restore), restore.restoreId, now, expiresAt);
    if (claimed.claimed) {
      restores.push(restore);
      continue;
    }
    const holder = claimed.holder
      ? `restore ${claimed.holder.restoreId} (planned ${claimed.holder.claimedAt})`
      : 'another restore';
    const taken = `${restore.name} is claimed in ${restore.region} by ${holder}, which is still running`;
    if (plan.restores.length === 1 && !plan.drill && !plan.application) {
      const free = await freeName(restore, claims, now);
      throw new InvalidInputError([
        { field: 'name', message: `${taken}: choose another name${free ? `, e.g. ${free}` : ''}` },
      ]);
    }
    skipped.push({ arn: restore.arn, reason: `${taken}: nothing restored` });
  }
  return { ...plan, restores, skipped };
}

/** Record the restore: from now on what it made holds the name (or, after a drill's clean-up, nothing). */
export function releaseRestoreName(
  restore: Pick<RestorePlan, 'type' | 'region' | 'name' | 'restoreId'>,
  claims: Pick<NameClaimStore, 'release'>,
  at: Date,
): Promise<void> {
  return claims.release(refOf(restore), restore.restoreId, at);
}
