/**
 * Plan the restores (first state of statemachines/restore.asl.json): validates the execution input,
 * naming every bad field (InvalidInputError fails the execution before anything is made), and finds
 * each restore's point (a backup id, a resource's latest, or a drill's selection), its region and ids,
 * and the restored resource's name; then claims each name (a name another running restore holds is
 * refused) and records each restore (before any AWS call). Restore ids come
 * from the execution's name (`<name>`, or `<name>-<n>` for a drill's), so a re-run of the same execution
 * finds what the first made. An application's restores (every resource carrying its tags) come in
 * waves, the databases first by default: the state machine starts a wave once the last one has ended.
 */
import { z } from 'zod';
import { dynamoDocClient } from '../shared/lambda/clients';
import { loadEnv, planRestoreEnvSchema } from '../shared/lambda/env';
import { defineHandler } from '../shared/lambda/handler';
import { NameClaimStore } from '../shared/state/name-claims';
import { RestorePointStore } from '../shared/state/restore-points';
import { RestoreStore } from '../shared/state/restore-store';
import { StateStore } from '../shared/state/store';
import { recordPlanned } from '../shared/workflow/restore/restore';
import { claimRestoreNames } from '../shared/workflow/restore/restore-name-claims';
import { inWaves, planRestores } from '../shared/workflow/restore/restore-plan';

export const planRestoreEventSchema = z.object({
  input: z.unknown(),
  restoreId: z.string().min(1),
  startedAt: z.string().min(1),
});

export const handler = defineHandler('plan-restore', planRestoreEventSchema, async (event) => {
  const env = loadEnv(planRestoreEnvSchema);
  const startedAt = new Date(event.startedAt);
  const state = new StateStore(dynamoDocClient(), env.TABLE_NAME);
  const planned = await planRestores(event.input, {
    restoreId: event.restoreId,
    points: new RestorePointStore(dynamoDocClient(), env.TABLE_NAME),
    latestPoints: (tier) => state.listLatestPoints(tier),
    defaultTier: env.DEFAULT_TIER,
    now: startedAt,
  });
  // Each name claimed before anything is recorded or made: of two restores planned at once with one
  // name, one holds it and the other is refused here (EBS and EC2 Name tags are not unique).
  const plan = await claimRestoreNames(planned, new NameClaimStore(dynamoDocClient(), env.TABLE_NAME), startedAt);
  // The records before any AWS call: status, history and drills read them from here on.
  const restores = new RestoreStore(dynamoDocClient(), env.TABLE_NAME);
  for (const restore of plan.restores) await recordPlanned(restore, restores, startedAt);
  // In waves (one for a single restore or a drill): each wave's restores start once the last has ended.
  return inWaves(plan);
});
