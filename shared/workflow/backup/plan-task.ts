/**
 * Plan's whole task once its input is valid (functions/plan-run.ts parses and wires; this decides):
 * a run that creates backups first takes its tier's run lock (shared/workflow/backup/run-lock.ts); a start
 * that finds another run of the tier still running is recorded SKIPPED and returns `skipped` and
 * `skippedFor` (the ASL then notifies and succeeds without backing anything up). A run that proceeds
 * is planned (shared/workflow/backup/plan.ts) and its resource refs are written to the stack's bucket, where
 * the Map reads them: `$.plan` carries only where they are, the same size at any fleet.
 */
import type { ResourceRef } from '../../resource';
import type { RunLockHolder } from '../../state/records';
import type { RunLockStore } from '../../state/run-lock-store';
import { type PlanRequest, type PlanResult, planRun } from './plan';
import type { RunItemsLocation } from './run-items';
import { type ExecutionStatusOf, startOrSkip } from './run-lock';

/** The two counts Plan publishes (the handler wires them to Powertools). */
export interface PlanMetrics {
  /** A start newly recorded SKIPPED (RunsSkipped, dimension tier). */
  runSkipped(tier: string): void;
  /** The resources a run that proceeds planned (ResourcesPlanned). */
  resourcesPlanned(count: number): void;
}

export interface PlanTaskRequest {
  /** What planRun needs; its `now` is read from `clock` when the run proceeds. */
  plan: Omit<PlanRequest, 'now'>;
  locks: RunLockStore;
  executionStatus: ExecutionStatusOf;
  /** Writes the run's resource refs where the Map's ItemReader reads them (shared/workflow/backup/run-items.ts). */
  writeItems: (items: readonly ResourceRef[]) => Promise<RunItemsLocation>;
  /** The Map's MaxConcurrency, handed on in `$.plan`. */
  maxConcurrency: number;
  clock: () => Date;
  metrics: PlanMetrics;
}

/** `$.plan`: the plan without its resource list, where the list is, and whether the start was skipped. */
export type PlanTaskResult = Omit<PlanResult, 'resources'> & {
  items: RunItemsLocation | null;
  maxConcurrency: number;
  skipped: boolean;
  skippedFor: RunLockHolder | null;
};

export async function planOrSkip(request: PlanTaskRequest): Promise<PlanTaskResult> {
  const { plan, clock, metrics, maxConcurrency } = request;
  const { input } = plan;
  const run = { runId: plan.runId, executionArn: plan.executionArn, startedAt: plan.startedAt };
  const start = await startOrSkip({
    store: plan.store,
    locks: request.locks,
    executionStatus: request.executionStatus,
    run,
    input,
    rawInput: plan.rawInput,
    clock,
    log: plan.log,
  });
  if (start.outcome === 'skipped') {
    if (start.newlySkipped) metrics.runSkipped(input.tier);
    return {
      runId: run.runId,
      tier: input.tier,
      dryRun: false,
      expiresAt: start.expiresAt,
      items: null,
      copyTo: [],
      counts: { total: 0, selected: 0, skipped: 0, failed: 0 },
      maxConcurrency,
      skipped: true,
      skippedFor: start.skippedFor,
    };
  }
  const { resources, ...small } = await planRun({ ...plan, now: clock() });
  const items = await request.writeItems(resources);
  metrics.resourcesPlanned(resources.length);
  return { ...small, items, maxConcurrency, skipped: false, skippedFor: null };
}
