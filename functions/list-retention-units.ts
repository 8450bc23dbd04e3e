/**
 * Plan retention (first of the "Apply retention" family). Names the regions retention covers: every
 * configured region (found or not this run), the run's, its copies' and every region ever copied to; splits
 * the work into units, one per region and service (shared/workflow/retention/retention-units.ts), for the Map. Fixes
 * the time every unit decides at, so a unit that runs hours later decides as a single pass would have.
 */
import { z } from 'zod';
import { now } from '../shared/clock';
import { configuredRegions } from '../shared/config';
import { defaultRegion, dynamoDocClient } from '../shared/lambda/clients';
import { loadEnv, retentionUnitsEnvSchema } from '../shared/lambda/env';
import { defineHandler } from '../shared/lambda/handler';
import { backupStores } from '../shared/services';
import { StateStore } from '../shared/state/store';
import { configuredCopyRegions, regionsTouched } from '../shared/workflow/retention/retention';
import { retentionUnits } from '../shared/workflow/retention/retention-units';

export const listRetentionUnitsEventSchema = z.object({ runId: z.string().min(1) });

export const handler = defineHandler('list-retention-units', listRetentionUnitsEventSchema, async (event) => {
  const env = loadEnv(retentionUnitsEnvSchema);
  const store = new StateStore(dynamoDocClient(), env.TABLE_NAME);
  const regions = regionsTouched(defaultRegion(), await store.listResources(event.runId), [
    ...configuredRegions(env.REGIONS, defaultRegion()),
    ...configuredCopyRegions(env.TIERS),
    ...(await store.listCopyRegions()),
  ]);
  return { decidedAt: now().toISOString(), units: retentionUnits(regions, backupStores()) };
});
