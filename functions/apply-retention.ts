/**
 * Apply retention (last task). Lists the backups this stack created in every configured region (found
 * or not this run), every region the run touched, every region the configuration copies to and every
 * region a backup was ever copied to (all runs), decides per backup with the rules in
 * shared/workflow/retention-rules.ts, deletes the expired ones (dry run: deletes nothing) and records
 * every decision on the run. A delete that fails is retried next run and fails
 * this task after the rest.
 */
import { z } from 'zod';
import { now } from '../shared/clock';
import { configuredRegions } from '../shared/config';
import { defaultRegion, dynamoDocClient } from '../shared/lambda/clients';
import { loadEnv, retentionEnvSchema } from '../shared/lambda/env';
import { defineHandler } from '../shared/lambda/handler';
import { logger, metrics } from '../shared/lambda/powertools';
import { backupStores } from '../shared/services';
import { StateStore } from '../shared/state/store';
import { ownerTagValue } from '../shared/tags';
import { applyRetention, configuredCopyRegions, regionsTouched } from '../shared/workflow/retention';

export const retentionEventSchema = z.object({ runId: z.string().min(1), dryRun: z.boolean() });

export const handler = defineHandler('apply-retention', retentionEventSchema, async (event) => {
  const env = loadEnv(retentionEnvSchema);
  const store = new StateStore(dynamoDocClient(), env.TABLE_NAME);
  const result = await applyRetention({
    runId: event.runId,
    dryRun: event.dryRun,
    // Qualified by the home region; the bare name is still this stack's in its home region (older backups).
    stackName: ownerTagValue(env.STACK_NAME, defaultRegion()),
    legacy: { stackName: env.STACK_NAME, homeRegion: defaultRegion() },
    tiers: env.TIERS,
    regions: regionsTouched(defaultRegion(), await store.listResources(event.runId), [
      ...configuredRegions(env.REGIONS, defaultRegion()),
      ...configuredCopyRegions(env.TIERS),
      ...(await store.listCopyRegions()),
    ]),
    stores: backupStores(),
    store,
    now: now(),
    log: logger,
  });
  metrics.addMetric('SnapshotsDeleted', 'Count', result.deleted);
  return result;
});
