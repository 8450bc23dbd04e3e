/**
 * The scale section of `npm run bench` (issue #11): one daily run of a large generated fleet spread over
 * three regions with the default configuration (but `regions`), on an estate that carries the quotas an
 * operator of that size has raised (SCALE_QUOTAS, stated in docs/benchmarks.md), then the projection to
 * 100,000 resources built from what that run measured (bench/projection.ts). `npm run bench:scale` runs it alone and prints the
 * figures without writing docs/benchmarks.md. Figures, not timed assertions.
 */
import '../local/process-defaults';
import { computeFigures, type RunFigures } from '../local/figures';
import { AWS_LIMITS, type Limits } from '../local/model';
import { SANDBOX_BUCKET, startSandbox } from '../local/sandbox';
import type { ResourceRecord } from '../shared/state/records';
import { projectionSection, type ScaleMeasurement } from './projection';

/** Snapshot durations of a daily run: incrementals, log-uniform from 1 minute to 12 hours. */
export const SCALE_MIN_SECONDS = 60;
export const SCALE_MAX_SECONDS = 12 * 3600;
const DAILY_GAP_HOURS = 24;
/** The home region first: the state machine and Lambdas run there; the fleet is spread over all three. */
export const SCALE_REGIONS = ['eu-west-1', 'us-east-1', 'ap-southeast-2'];

/**
 * Quotas raised for a 10,000-resource estate (the generated mix: 14% RDS instances, 64% EC2 instances with
 * 1-3 volumes, 14% volumes, 9% DocumentDB and Neptune clusters): one manual snapshot per database and per
 * cluster per day, and enough pending EBS snapshots for the estate's snapshot-hours to fit the daily gap.
 * Everything else stays at AWS's default.
 */
export const SCALE_QUOTAS: Partial<Limits> = {
  manualDbSnapshotsPerRegion: 2_000,
  manualDbClusterSnapshotsPerRegion: 2_000,
  pendingSnapshotsPerRegion: 4_000,
};

export interface ScaleRow {
  size: number;
  regions: string[];
  maxConcurrency: number;
  status: string;
  succeeded: number;
  failed: number;
  /** Resources the run left PENDING, CREATING or COPYING (none, since Summarize closes them FAILED). */
  unfinished: number;
  failures: Record<string, number>;
  figures: RunFigures;
  retries: number;
  simulatedHours: number;
  wallSeconds: number;
  /** What the projection to 100,000 resources is built from. */
  measurement: ScaleMeasurement;
}

const hours = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 3_600_000;

/** Mean start-to-finish of the resources that were backed up (a child's life in the Map). */
function meanChildHours(records: readonly ResourceRecord[]): number {
  const spans = records.flatMap((r) => (r.startedAt && r.finishedAt ? [hours(r.startedAt, r.finishedAt)] : []));
  return spans.reduce((a, b) => a + b, 0) / Math.max(1, spans.length);
}

export async function runScale(
  size: number,
  config: Record<string, unknown> = {},
  /** The account's Lambda concurrency (default AWS's 1,000): BENCH_SCALE_LAMBDA_CONCURRENCY. */
  lambdaConcurrency?: number,
): Promise<ScaleRow> {
  const wallStart = Date.now();
  const sandbox = await startSandbox({
    ...(lambdaConcurrency ? { lambdaConcurrency } : {}),
    fleet: {
      kind: 'generated',
      size,
      minSeconds: SCALE_MIN_SECONDS,
      maxSeconds: SCALE_MAX_SECONDS,
      regions: SCALE_REGIONS,
    },
    seed: 2000 + size,
    config,
    limits: SCALE_QUOTAS,
  });
  try {
    const name = `scale-${size}`;
    const result = await sandbox.sfn.startExecution(sandbox.stateMachineArn, name, JSON.stringify({ tier: 'daily' }))
      .done;
    const records = await sandbox.store.listResources(name);
    const failures: Record<string, number> = {};
    for (const r of records) {
      if (r.status !== 'FAILED') continue;
      const key = r.error?.error ?? 'unknown';
      failures[key] = (failures[key] ?? 0) + 1;
    }
    const figures = computeFigures(result, records, sandbox.model);
    const simulatedHours = (result.stoppedAt.getTime() - result.startedAt.getTime()) / 3_600_000;
    const itemList = sandbox.model?.getObject(SANDBOX_BUCKET, `runs/${name}/items.json`).body ?? '';
    const perBackup = (calls: Record<string, number>) =>
      Object.fromEntries(Object.entries(calls).map(([op, count]) => [op, count / figures.backups]));
    return {
      size,
      regions: SCALE_REGIONS,
      maxConcurrency: sandbox.config.mapMaxConcurrency,
      status: result.status,
      succeeded: records.filter((r) => r.status === 'COMPLETED').length,
      failed: records.filter((r) => r.status === 'FAILED').length,
      unfinished: records.filter((r) => ['PENDING', 'CREATING', 'COPYING'].includes(r.status)).length,
      failures,
      figures,
      retries: result.stats.retries,
      simulatedHours,
      wallSeconds: (Date.now() - wallStart) / 1000,
      measurement: {
        ...figures,
        regions: SCALE_REGIONS.length,
        simulatedHours,
        meanChildHours: meanChildHours(records),
        mapConcurrency: sandbox.config.mapMaxConcurrency,
        stateTableCallsPerBackup: perBackup(sandbox.stateTableCalls()),
        itemListBytesPerResource: Buffer.byteLength(itemList) / Math.max(1, size),
      },
    };
  } finally {
    await sandbox.close();
  }
}

const check = (ok: boolean) => (ok ? 'met' : '**not met**');

/** The account concurrency the limited scale run uses: a new account's, a tenth of AWS's default. */
export const LIMITED_LAMBDA_CONCURRENCY = 100;

/** The same daily run in an account that runs only LIMITED_LAMBDA_CONCURRENCY invocations at once (#19 item 10). */
export function limitedConcurrencySection(row: ScaleRow): string {
  return [
    `### Under a Lambda concurrency of ${LIMITED_LAMBDA_CONCURRENCY}`,
    '',
    `The same run in an account whose Lambda concurrency is ${LIMITED_LAMBDA_CONCURRENCY} (the sandbox refuses invocations past it with \`Lambda.TooManyRequestsException\`, which every task retries; \`BENCH_SCALE_LAMBDA_CONCURRENCY\`):`,
    '',
    '| status | succeeded / failed | left unfinished | retries | simulated duration | wall time |',
    '|---|---|---|---|---|---|',
    `| ${row.status} | ${row.succeeded} / ${row.failed} | ${row.unfinished} | ${row.retries} | ${row.simulatedHours.toFixed(1)} h | ${row.wallSeconds.toFixed(1)} s |`,
    '',
    `- every resource COMPLETED or FAILED, none left PENDING: ${check(row.unfinished === 0)}`,
  ].join('\n');
}

/** The markdown section: the quotas, the figures, and each goal of issue #11 met or not. */
export function scaleSection(row: ScaleRow): string {
  const f = row.figures;
  const quotas = Object.entries(SCALE_QUOTAS)
    .map(([k, v]) => `| ${k} | ${AWS_LIMITS[k as keyof Limits]} | ${v} |`)
    .join('\n');
  const failures = Object.entries(row.failures)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
  return [
    `One daily run of ${row.size.toLocaleString('en')} generated resources spread over ${row.regions.length} regions (${row.regions.join(', ')}; the first is the home region) with the default configuration but \`regions\` (Map concurrency ${row.maxConcurrency}), snapshot durations log-uniform from ${SCALE_MIN_SECONDS / 60} minute to ${SCALE_MAX_SECONDS / 3600} hours (daily incrementals), AWS's token buckets on. Quotas the estate has raised (all others are AWS's defaults, DESIGN §9):`,
    '',
    '| quota | AWS default | this estate |',
    '|---|---|---|',
    quotas,
    '',
    '| status | succeeded / failed | retries | transitions / backup | describe calls / backup | cost / 1,000 backups | simulated duration | parent / largest child history | payload high-water | wall time |',
    '|---|---|---|---|---|---|---|---|---|---|',
    `| ${row.status} | ${row.succeeded} / ${row.failed}${failures ? ` (${failures})` : ''} | ${row.retries} | ${f.transitionsPerBackup.toFixed(2)} | ${f.describeCallsPerBackup.toFixed(2)} | $${f.costPer1000Backups.toFixed(3)} | ${row.simulatedHours.toFixed(1)} h | ${f.parentHistoryEvents} / ${f.largestChildHistoryEvents} | ${(f.payloadHighWaterBytes / 1024).toFixed(1)} KiB | ${row.wallSeconds.toFixed(1)} s |`,
    '',
    `- SUCCEEDED with no failed resource: ${check(row.status === 'SUCCEEDED' && row.failed === 0)}`,
    `- ≤ 14 transitions per backup (retries included, as AWS bills them): ${f.transitionsPerBackup.toFixed(2)} — ${check(f.transitionsPerBackup <= 14)}`,
    `- ≤ 4 describe calls per backup: ${f.describeCallsPerBackup.toFixed(2)} — ${check(f.describeCallsPerBackup <= 4)}`,
    `- ≤ $0.40 per 1,000 backups: $${f.costPer1000Backups.toFixed(3)} — ${check(f.costPer1000Backups <= 0.4)}`,
    `- inside the daily gap (${DAILY_GAP_HOURS} h): ${row.simulatedHours.toFixed(1)} h simulated — ${check(row.simulatedHours <= DAILY_GAP_HOURS)}`,
    `- under 10 minutes wall on this machine: ${row.wallSeconds.toFixed(1)} s — ${check(row.wallSeconds < 600)}`,
    '',
    '### Projection to 100,000 resources per run',
    '',
    projectionSection(row.measurement, [10_000, 25_000, 50_000, 100_000], DAILY_GAP_HOURS),
  ].join('\n');
}

if (require.main === module) {
  const size = Number(process.env.BENCH_SCALE ?? 10_000);
  const config = process.env.BENCH_SCALE_CONCURRENCY
    ? { mapMaxConcurrency: Number(process.env.BENCH_SCALE_CONCURRENCY) }
    : {};
  const lambdaConcurrency = process.env.BENCH_SCALE_LAMBDA_CONCURRENCY
    ? Number(process.env.BENCH_SCALE_LAMBDA_CONCURRENCY)
    : undefined;
  runScale(size, config, lambdaConcurrency)
    .then((row) => {
      process.stdout.write(
        `${scaleSection(row)}\n\nLambda concurrency ${lambdaConcurrency ?? 1000}: ${row.unfinished} resource(s) left PENDING, CREATING or COPYING.\nAPI calls: ${JSON.stringify(row.figures.awsCalls)}\n`,
      );
    })
    .catch((error: unknown) => {
      process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    });
}
