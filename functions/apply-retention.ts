/**
 * Apply retention to one unit (one service's backup stores in one region), one pass per invocation:
 * decides each store with the rules in shared/workflow/retention/retention-rules.ts at the time Plan retention
 * fixed, queues the expired backups, deletes up to one delete-bucket burst (dry run: deletes nothing),
 * notes each delete on the backup's restore point (removing the point with its last backup) and
 * records the pass. Returns `done: false` with where it stopped; the state machine waits for the
 * bucket to refill and calls it again. Stops a minute before its timeout.
 */
import { z } from 'zod';
import { defaultRegion, dynamoDocClient } from '../shared/lambda/clients';
import { loadEnv, retentionEnvSchema } from '../shared/lambda/env';
import { defineHandler } from '../shared/lambda/handler';
import { logger, metrics } from '../shared/lambda/powertools';
import { backupStores } from '../shared/services';
import { RestorePointStore } from '../shared/state/restore-points';
import { RetentionLedger } from '../shared/state/retention-ledger';
import { StateStore } from '../shared/state/store';
import { ownerTagValue } from '../shared/tags';
import { runRetentionPass } from '../shared/workflow/retention/retention-units';

/** Time left for the pass's record and answer after its last delete. */
const MARGIN_MS = 60_000;

export const retentionPassEventSchema = z.object({
  runId: z.string().min(1),
  dryRun: z.boolean(),
  decidedAt: z.iso.datetime(),
  unit: z.object({ key: z.string().min(1), region: z.string().min(1), kinds: z.array(z.string()).min(1) }),
  cursor: z.object({
    store: z.number().int().min(0),
    pages: z.number().int().min(1).optional(),
    page: z.number().int().min(0),
    offset: z.number().int().min(0),
    pass: z.number().int().min(0),
  }),
});

export const handler = defineHandler('apply-retention', retentionPassEventSchema, async (event, context) => {
  const env = loadEnv(retentionEnvSchema);
  const result = await runRetentionPass({
    runId: event.runId,
    dryRun: event.dryRun,
    unit: event.unit,
    cursor: event.cursor,
    // Qualified by the home region; the bare name is still this stack's in its home region (older backups).
    stackName: ownerTagValue(env.STACK_NAME, defaultRegion()),
    legacy: { stackName: env.STACK_NAME, homeRegion: defaultRegion() },
    tiers: env.TIERS,
    stores: backupStores(),
    store: new StateStore(dynamoDocClient(), env.TABLE_NAME),
    ledger: new RetentionLedger(dynamoDocClient(), env.TABLE_NAME),
    points: new RestorePointStore(dynamoDocClient(), env.TABLE_NAME),
    now: new Date(event.decidedAt),
    budgetMs: () => context.remainingMs() - MARGIN_MS,
    log: logger,
  });
  metrics.addMetric('RetentionPasses', 'Count', 1);
  return result;
});
