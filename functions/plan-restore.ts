/**
 * Plan the restore (first state of statemachines/restore.asl.json): validates the execution input,
 * naming every bad field (InvalidInputError fails the execution before anything is made), and finds
 * the restore point, its region and ids, and the restored resource's name; then records the restore
 * (before any AWS call). The restore id is the execution's name, so a re-run of the same execution
 * finds what the first made.
 */
import { z } from 'zod';
import { dynamoDocClient } from '../shared/lambda/clients';
import { baseEnvSchema, loadEnv } from '../shared/lambda/env';
import { defineHandler } from '../shared/lambda/handler';
import { BackupPointStore } from '../shared/state/backup-points';
import { RestoreStore } from '../shared/state/restore-store';
import { recordPlanned } from '../shared/workflow/restore';
import { planRestore } from '../shared/workflow/restore-plan';

export const planRestoreEventSchema = z.object({
  input: z.unknown(),
  restoreId: z.string().min(1),
  startedAt: z.string().min(1),
});

export const handler = defineHandler('plan-restore', planRestoreEventSchema, async (event) => {
  const env = loadEnv(baseEnvSchema);
  const startedAt = new Date(event.startedAt);
  const plan = await planRestore(event.input, {
    restoreId: event.restoreId,
    points: new BackupPointStore(dynamoDocClient(), env.TABLE_NAME),
    now: startedAt,
  });
  // The record before any AWS call: status, history and drills read it from here on.
  await recordPlanned(plan, new RestoreStore(dynamoDocClient(), env.TABLE_NAME), startedAt);
  return plan;
});
