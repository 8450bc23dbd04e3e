/** Domain logic of Summarize retention: the units' passes added up into the run's retention result. */
import type { RetentionLedger } from '../../state/retention-ledger';
import type { StateStore } from '../../state/store';
import { cappedDecisions, incomplete, MAX_RECORDED, type RetentionResult } from './retention';

export async function summarizeRetention(request: {
  runId: string;
  dryRun: boolean;
  /** The units Plan retention listed: one without a last (`done`) pass failed in the Map (tolerated there). */
  units: readonly string[];
  ledger: RetentionLedger;
  store: Pick<StateStore, 'updateRun'>;
}): Promise<RetentionResult> {
  const passes = await request.ledger.listPasses(request.runId);
  const finished = new Set(passes.filter((p) => p.done).map((p) => p.unit));
  const failedUnits = request.units.filter((unit) => !finished.has(unit));
  const sum = (field: 'deleted' | 'kept' | 'failedDeletes') => passes.reduce((n, p) => n + p[field], 0);
  const deletedIds = passes.flatMap((p) => p.deletedIds);
  const result: RetentionResult = {
    dryRun: request.dryRun,
    deleted: sum('deleted'),
    kept: sum('kept'),
    failedDeletes: sum('failedDeletes'),
    deletedIds: deletedIds.slice(0, 50),
  };
  await request.store.updateRun(request.runId, {
    retention: {
      ...result,
      deletedIds: deletedIds.slice(0, MAX_RECORDED),
      ...(failedUnits.length ? { failedUnits } : {}),
    },
    retentionDecisions: cappedDecisions(passes.flatMap((p) => p.decisions)),
  });
  if (result.failedDeletes > 0 || failedUnits.length > 0) {
    throw incomplete(
      result.failedDeletes,
      passes.flatMap((p) => p.failed),
      failedUnits,
    );
  }
  return result;
}
