/**
 * The projection to 100,000 resources per run (issue #11), from one measured run at scale: every
 * per-backup figure the sandbox measured (transitions, invocations, API calls by operation, state-table
 * requests) scaled to larger fleets and set against AWS's default account quotas, with the point where
 * the design would need to change. Arithmetic on measurements, no new assumptions beyond the quotas.
 */
import type { RunFigures } from '../local/figures';
import { API_RATE_BUCKETS, type ApiRateBucket } from '../shared/services/catalog';

/**
 * AWS's default quotas the projection checks (per account and region unless said otherwise); each
 * service's API request-rate buckets are its catalog's (`apiRateBuckets`, shared/services/<svc>/catalog.ts).
 */
export const DEFAULT_QUOTAS = {
  /** Distributed Map: child executions running at once (more queue; a queued child costs nothing). */
  distributedMapChildren: 10_000,
  /** Step Functions StateTransition token bucket refill, per second (us-east-1, us-west-2, eu-west-1; 800 elsewhere). */
  stateTransitionsPerSecond: 5_000,
  /** Lambda concurrent executions. */
  lambdaConcurrency: 1_000,
  /** The state table, on demand: a table's throughput quota (write and read request units per second). */
  stateTableUnitsPerSecond: 40_000,
} as const;

/** What the projection is built from: the measured run's per-backup figures, and how it ran. */
export interface ScaleMeasurement
  extends Pick<
    RunFigures,
    | 'backups'
    | 'transitionsPerBackup'
    | 'invocationsPerBackup'
    | 'costPer1000Backups'
    | 'awsCallsPerBackup'
    | 'parentHistoryEvents'
    | 'largestChildHistoryEvents'
    | 'payloadHighWaterBytes'
  > {
  regions: number;
  /** Start to end of the measured run, simulated. */
  simulatedHours: number;
  /** Mean time one resource's child spent from start to finish, simulated. */
  meanChildHours: number;
  /** The Map's MaxConcurrency in the measured run. */
  mapConcurrency: number;
  stateTableCallsPerBackup: Record<string, number>;
  /** Size of the run's item list in S3 per resource. */
  itemListBytesPerResource: number;
}

export interface ProjectedRow {
  resources: number;
  parentHistoryEvents: number;
  largestChildHistoryEvents: number;
  payloadKiB: number;
  itemListMiB: number;
  transitions: number;
  costUsd: number;
  invocations: number;
  /** Children per Map slot: those that cannot all run at once queue for the Distributed Map's limit. */
  childWaves: number;
  /** Lower bound of the run's length: children × mean child time / slots, or the measured length if longer. */
  runHoursAtLeast: number;
  /** The calls drawing from each service's API rate buckets, in catalog order. */
  apiCalls: BucketLoad[];
  stateTableWrites: number;
  stateTableReads: number;
  /** Write request units per second averaged over the run (on-demand: 1 unit per write ≤ 1 KB). */
  meanWriteUnitsPerSecond: number;
}

/** A run's calls against one API rate bucket, per region. */
export interface BucketLoad {
  bucket: ApiRateBucket;
  callsPerRegion: number;
  /** The time the bucket's refill needs to let a region's calls through. */
  minutesPerRegion: number;
  /** The calls per second per region, averaged over the run, against the refill. */
  meanPerSecondPerRegion: number;
}

const WRITES = /:(PutItem|UpdateItem|DeleteItem|BatchWriteItem|TransactWriteItems)$/;
const READS = /:(GetItem|Query|Scan|BatchGetItem)$/;
const sum = (calls: Record<string, number>, match: RegExp) =>
  Object.entries(calls)
    .filter(([op]) => match.test(op))
    .reduce((a, [, n]) => a + n, 0);

export function projectRow(m: ScaleMeasurement, resources: number): ProjectedRow {
  const slots = Math.min(m.mapConcurrency, DEFAULT_QUOTAS.distributedMapChildren);
  const waves = Math.ceil(resources / slots);
  // A queued child starts when a slot frees, so the Map needs at least (children × mean child time) / slots,
  // and never less than the measured run (its longest child).
  const runHoursAtLeast = Math.max(m.simulatedHours, (resources * m.meanChildHours) / slots);
  const perRegion = resources / m.regions;
  const apiCalls = API_RATE_BUCKETS.map((bucket): BucketLoad => {
    const prefix = `${bucket.service}:`;
    const calls = Object.entries(m.awsCallsPerBackup)
      .filter(([op]) => op.startsWith(prefix) && bucket.operations.test(op.slice(prefix.length)))
      .reduce((a, [, count]) => a + count, 0);
    const callsPerRegion = calls * perRegion;
    return {
      bucket,
      callsPerRegion,
      minutesPerRegion: callsPerRegion / bucket.refillPerSecond / 60,
      meanPerSecondPerRegion: callsPerRegion / (runHoursAtLeast * 3600),
    };
  });
  const writes = sum(m.stateTableCallsPerBackup, WRITES) * resources;
  return {
    resources,
    parentHistoryEvents: m.parentHistoryEvents,
    largestChildHistoryEvents: m.largestChildHistoryEvents,
    payloadKiB: m.payloadHighWaterBytes / 1024,
    itemListMiB: (m.itemListBytesPerResource * resources) / 1024 / 1024,
    transitions: m.transitionsPerBackup * resources,
    costUsd: (m.costPer1000Backups * resources) / 1000,
    invocations: m.invocationsPerBackup * resources,
    childWaves: waves,
    runHoursAtLeast,
    apiCalls,
    stateTableWrites: writes,
    stateTableReads: sum(m.stateTableCallsPerBackup, READS) * resources,
    meanWriteUnitsPerSecond: writes / (runHoursAtLeast * 3600),
  };
}

const n = (v: number, digits = 0) => v.toLocaleString('en', { maximumFractionDigits: digits });

/** A bucket's column: a start-of-run bucket's calls and the minutes they take, a spread one's mean rate. */
const bucketHeader = (b: ApiRateBucket) =>
  b.arrive === 'start'
    ? `${b.calls} per region (minutes at ${b.refillPerSecond}/s)`
    : `${b.calls} per s per region (of ${b.refillPerSecond})`;
const bucketCell = (load: BucketLoad) =>
  load.bucket.arrive === 'start'
    ? `${n(load.callsPerRegion)} (${load.minutesPerRegion.toFixed(0)})`
    : load.meanPerSecondPerRegion.toFixed(2);

/** The markdown section: one row per fleet size, then where the design would need to change. */
export function projectionSection(m: ScaleMeasurement, sizes = [10_000, 25_000, 50_000, 100_000], gapHours = 24) {
  const rows = sizes.map((size) => projectRow(m, size));
  const buckets = API_RATE_BUCKETS.map(bucketHeader);
  const lines = [
    `Projected from the measured ${n(m.backups)}-resource run over ${m.regions} region(s) (per-backup figures × fleet; the history and payload are measured, they do not grow). Quotas are AWS's defaults.`,
    '',
    `| resources | parent / largest child history | largest payload | item list in S3 | transitions | cost per run | Lambda invocations | children per Map slot (10,000) | run length at least | ${buckets.map((b) => `${b} | `).join('')}state-table writes / reads | mean write units per s (of ${n(DEFAULT_QUOTAS.stateTableUnitsPerSecond)}) |`,
    `|---|---|---|---|---|---|---|---|---|${buckets.map(() => '---|').join('')}---|---|`,
    ...rows.map(
      (r) =>
        `| ${n(r.resources)} | ${r.parentHistoryEvents} / ${r.largestChildHistoryEvents} | ${r.payloadKiB.toFixed(1)} KiB | ${r.itemListMiB.toFixed(1)} MiB | ${n(r.transitions)} | $${r.costUsd.toFixed(2)} | ${n(r.invocations)} | ${r.childWaves} | ${r.runHoursAtLeast.toFixed(1)} h | ${r.apiCalls.map((load) => `${bucketCell(load)} | `).join('')}${n(r.stateTableWrites)} / ${n(r.stateTableReads)} | ${r.meanWriteUnitsPerSecond.toFixed(1)} |`,
    ),
    '',
    ...limits(m, rows, gapHours),
  ];
  return lines.join('\n');
}

function limits(m: ScaleMeasurement, rows: ProjectedRow[], gapHours: number): string[] {
  const out: string[] = ['Where the design would need to change:'];
  const late = rows.find((r) => r.runHoursAtLeast > gapHours);
  out.push(
    late
      ? `- at ${n(late.resources)} resources the children queue for the Distributed Map's 10,000 slots (${late.childWaves} per slot, mean child ${m.meanChildHours.toFixed(1)} h): the run lasts at least ${late.runHoursAtLeast.toFixed(1)} h, past the ${gapHours} h daily gap. Next step: one execution per region (or per region and type), each with its own 10,000 children, or a raised Distributed Map concurrency.`
      : `- up to ${n(rows.at(-1)?.resources ?? 0)} resources the children fit the Distributed Map's 10,000 at once within the ${gapHours} h gap (mean child ${m.meanChildHours.toFixed(1)} h).`,
  );
  API_RATE_BUCKETS.forEach((bucket, i) => {
    if (bucket.arrive !== 'start') return;
    const slow = rows.find((r) => (r.apiCalls[i]?.minutesPerRegion ?? 0) > 60);
    const load = slow?.apiCalls[i];
    out.push(
      slow && load
        ? `- at ${n(slow.resources)} resources a region issues ${n(load.callsPerRegion)} ${bucket.calls}: ${load.minutesPerRegion.toFixed(0)} min of the ${bucket.refillPerSecond}/s bucket, so the first ${bucket.begins} start an hour before the last; still inside the gap, but ${bucket.sharedWith} shares that bucket (spread schedules or raise ${bucket.quota}).`
        : `- ${bucket.calls} fit the ${bucket.refillPerSecond}/s bucket within an hour per region at every size shown.`,
    );
  });
  const last = rows.at(-1);
  if (last) {
    out.push(
      `- state transitions: ${n(last.transitions)} per run at ${n(last.resources)} resources, ${((last.transitions / (last.runHoursAtLeast * 3600) / DEFAULT_QUOTAS.stateTransitionsPerSecond) * 100).toFixed(2)}% of the 5,000/s bucket on average; Lambda: ${n(last.invocations)} short invocations, far below 1,000 concurrent unless all children start in the same second (Lambda.TooManyRequestsException is retried by every task).`,
      `- DynamoDB (on-demand): ${n(last.stateTableWrites)} writes per run, ${last.meanWriteUnitsPerSecond.toFixed(1)} units/s on average. Plan writes one item per resource from one Lambda, so its burst, not the average, is what grows: at 100,000 resources that one Lambda's writes are the first thing to move into the children (each child writes its own PENDING item).`,
      `- the parent's history (${m.parentHistoryEvents} events) and the largest payload (${(m.payloadHighWaterBytes / 1024).toFixed(1)} KiB) do not grow with the fleet; the item list in S3 grows (${last.itemListMiB.toFixed(1)} MiB at ${n(last.resources)}), far below what an S3 object and the ItemReader take.`,
    );
  }
  return out;
}
