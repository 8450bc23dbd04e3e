/** Domain logic of Summarize retention: the units' passes added up into the run's retention result. */
import type { RetentionLedger, RetentionPass } from '../../state/retention-ledger';
import type { StateStore } from '../../state/store';
import { cappedDecisions, incomplete, MAX_RECORDED, type RetentionResult } from './retention';

/**
 * The units' passes added up: the result Notify reports, the run record's retention (ids capped, units
 * without a last pass named) and its decisions. Summarize retention records it; the CLI shows it for a run
 * that stopped during retention, which no Summarize closed (docs/architecture.md, "Stopped runs").
 */
export function addUpPasses(passes: readonly RetentionPass[], dryRun: boolean, units: readonly string[]) {
  const finished = new Set(passes.filter((p) => p.done).map((p) => p.unit));
  const failedUnits = units.filter((unit) => !finished.has(unit));
  const sum = (field: 'deleted' | 'kept' | 'failedDeletes') => passes.reduce((n, p) => n + p[field], 0);
  const deletedIds = passes.flatMap((p) => p.deletedIds);
  const result: RetentionResult = {
    dryRun,
    deleted: sum('deleted'),
    kept: sum('kept'),
    failedDeletes: sum('failedDeletes'),
    deletedIds: deletedIds.slice(0, 50),
  };
  return {
    result,
    failedUnits,
    retention: {
      ...result,
      deletedIds: deletedIds.slice(0, MAX_RECORDED),
      ...(failedUnits.length ? { failedUnits } : {}),
    },
    decisions: cappedDecisions(passes.flatMap((p) => p.decisions)),
  };
}

export async function summarizeRetention(request: {
  runId: string;
  dryRun: boolean;
  /** The units Plan retention listed: one without a last (`done`) pass failed in the Map (tolerated there). */
  units: readonly string[];
  ledger: RetentionLedger;
  store: Pick<StateStore, 'updateRun'>;
}): Promise<RetentionResult> {
  const passes = await request.ledger.listPasses(request.runId);
  const { result, failedUnits, retention, decisions } = addUpPasses(passes, request.dryRun, request.units);
  await request.store.updateRun(request.runId, { retention, retentionDecisions: decisions });
  if (result.failedDeletes > 0 || failedUnits.length > 0) {
    throw incomplete(
      result.failedDeletes,
      passes.flatMap((p) => p.failed),
      failedUnits,
    );
  }
  return result;
}
