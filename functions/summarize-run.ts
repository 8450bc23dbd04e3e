/**
 * Summarize the run (after the Map). Counts outcomes from the state table, marks FAILED what the run left
 * unfinished (a child that died before recording), closes the run record,
 * emits the run's metrics per tier, and returns the counts and a cause string that the final Fail
 * state shows in the console.
 */
import { z } from 'zod';
import { now } from '../shared/clock';
import { dynamoDocClient } from '../shared/lambda/clients';
import { baseEnvSchema, loadEnv } from '../shared/lambda/env';
import { defineHandler } from '../shared/lambda/handler';
import { metrics } from '../shared/lambda/powertools';
import { StateStore } from '../shared/state/store';
import { closeUnfinished, summarize } from '../shared/workflow/backup/summary';

export const summarizeEventSchema = z.object({ runId: z.string().min(1) });

export const handler = defineHandler('summarize-run', summarizeEventSchema, async (event) => {
  const env = loadEnv(baseEnvSchema);
  const store = new StateStore(dynamoDocClient(), env.TABLE_NAME);
  const summary = summarize(await store.listResources(event.runId));
  const { failures: _failures, ...counts } = summary;
  const run = await store.getRun(event.runId);
  // Per-tier run outcome: what the "any backup failed" alarm and the dashboard watch.
  metrics.addDimensions({ tier: run?.tier ?? 'unknown' });
  metrics.addMetric(summary.status === 'SUCCEEDED' ? 'RunsSucceeded' : 'RunsFailed', 'Count', 1);
  // Every resource not backed up and copied as asked: the "any backup failed" alarm watches this.
  metrics.addMetric('BackupsFailedInRun', 'Count', summary.failures.length);
  const finishedAt = now().toISOString();
  await closeUnfinished(store, event.runId, summary.failures, finishedAt);
  await store.updateRun(event.runId, {
    status: summary.status,
    finishedAt,
    counts: {
      total: counts.total,
      completed: counts.completed,
      failed: counts.failed,
      copyFailed: counts.copyFailed,
      skipped: counts.skipped,
      unfinished: counts.unfinished,
    },
  });
  return {
    status: summary.status,
    total: summary.total,
    completed: summary.completed,
    // The ASL's Choice fails the run on any: a copy that failed fails the run as a failed backup does.
    failed: summary.failures.length,
    copyFailed: summary.copyFailed,
    skipped: summary.skipped,
    cause: summary.cause,
  };
});
