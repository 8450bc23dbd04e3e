/**
 * Run figures from one execution: what AWS would bill and record, per backup. Shared by the
 * `--report` of `npm start` and by `npm run bench`.
 */

import type { ResourceRecord } from '../shared/state/records';
import type { AwsModel } from './model';
import type { ExecutionResult } from './runner';

/** The Map whose children are the backups (the retention Map's children are not counted here). */
export const BACKUP_MAP = 'Back up each resource';

/** Public prices (us-east-1, 2026): Step Functions Standard and Lambda arm64. */
export const PRICES = {
  perStateTransition: 0.025 / 1000,
  perLambdaRequest: 0.2 / 1_000_000,
  /** 256 MB arm64 for ~150 ms average: GB-seconds price 0.0000133334. */
  perLambdaInvocationCompute: 0.25 * 0.15 * 0.0000133334,
  /** DynamoDB on-demand: ~3 writes and ~2 reads per invocation (write 0.625 / read 0.125 per million). */
  perInvocationDynamo: (3 * 0.625 + 2 * 0.125) / 1_000_000,
};

export interface RunFigures {
  backups: number;
  transitions: number;
  transitionsPerBackup: number;
  parentHistoryEvents: number;
  largestChildHistoryEvents: number;
  payloadHighWaterBytes: number;
  invocations: number;
  invocationsPerBackup: number;
  awsCalls: Record<string, number>;
  awsCallsPerBackup: Record<string, number>;
  describeCallsPerBackup: number;
  pollsPerBackup: number;
  /** Completion to noticed, as % of the backup's own duration (mean and worst). */
  detectionLatencyPct: { mean: number; max: number };
  /** Backups noticed within max(60 s, 10% of duration). */
  detectedWithinTarget: number;
  costPer1000Backups: number;
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

export function computeFigures(
  result: ExecutionResult,
  records: readonly ResourceRecord[],
  model: AwsModel | undefined,
): RunFigures {
  const done = records.filter((r) => r.status === 'COMPLETED' || r.status === 'FAILED' || r.backupIds?.length);
  const backups = Math.max(1, records.filter((r) => r.status !== 'SKIPPED').length);
  const invocations = Object.values(result.stats.invocations).reduce((a, b) => a + b, 0);
  const awsCalls = Object.fromEntries(
    [...(model?.calls ?? new Map<string, number>())].sort(([a], [b]) => a.localeCompare(b)),
  );
  const describe = Object.entries(awsCalls)
    .filter(([k]) => /:Describe/.test(k))
    .reduce((a, [, v]) => a + v, 0);
  const latencies: number[] = [];
  let withinTarget = 0;
  for (const r of done) {
    if (!model || !r.finishedAt || !r.backupIds?.length || r.status !== 'COMPLETED') continue;
    const ends = r.backupIds.map((id) => model.finishedAtMs(r.region, id)).filter((v): v is number => v !== undefined);
    if (ends.length === 0 || !r.startedAt) continue;
    const completedAt = Math.max(...ends);
    const duration = Math.max(1, completedAt - new Date(r.startedAt).getTime());
    const latency = Math.max(0, new Date(r.finishedAt).getTime() - completedAt);
    latencies.push((latency / duration) * 100);
    if (latency <= Math.max(60_000, duration * 0.1)) withinTarget++;
  }
  const perBackup = (n: number) => round(n / backups);
  const cost =
    result.stats.transitions * PRICES.perStateTransition +
    invocations * (PRICES.perLambdaRequest + PRICES.perLambdaInvocationCompute + PRICES.perInvocationDynamo);
  return {
    backups,
    transitions: result.stats.transitions,
    transitionsPerBackup: perBackup(result.stats.transitions),
    parentHistoryEvents: result.stats.parentHistoryEvents,
    largestChildHistoryEvents: Math.max(0, ...(result.stats.childHistoryEventsByMap[BACKUP_MAP] ?? [])),
    payloadHighWaterBytes: result.stats.payloadHighWaterBytes,
    invocations,
    invocationsPerBackup: perBackup(invocations),
    awsCalls,
    awsCallsPerBackup: Object.fromEntries(Object.entries(awsCalls).map(([k, v]) => [k, perBackup(v)])),
    describeCallsPerBackup: perBackup(describe),
    pollsPerBackup: perBackup(records.reduce((a, r) => a + (r.polls ?? 0), 0)),
    detectionLatencyPct: {
      mean: round(latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length)),
      max: round(Math.max(0, ...latencies)),
    },
    detectedWithinTarget: withinTarget,
    costPer1000Backups: round((cost / backups) * 1000, 3),
  };
}
