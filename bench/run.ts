/**
 * `npm run bench`: runs the real workflow in the sandbox on generated fleets of 10, 100 and 1,000
 * resources (snapshot durations log-uniform from 1 minute to 24 hours), once with the pipeline's
 * progress-aware polling and once with a fixed 300 s poll as the baseline, and prints and writes to
 * docs/benchmarks.md the figures the design is judged by; then the scale section (./scale.ts: 10,000
 * resources, default configuration; BENCH_SCALE=0 leaves it out), the region-loss game day (./game-day.ts)
 * and the CLI's start time (./cli-start.ts;
 * `npm run bench:cli` runs that alone). Figures, not timed assertions.
 */
import '../local/process-defaults';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { computeFigures, type RunFigures } from '../local/figures';
import { startSandbox } from '../local/sandbox';
import { benchCliStart, cliStartSection } from './cli-start';
import { benchGameDay, gameDaySection } from './game-day';
import { keptSections } from './kept-sections';
import { benchRestores, restoreSection } from './restore';
import { benchRetention, retentionSection } from './retention';
import { LIMITED_LAMBDA_CONCURRENCY, limitedConcurrencySection, runScale, SCALE_QUOTAS, scaleSection } from './scale';

const SIZES = (process.env.BENCH_SIZES ?? '10,100,1000').split(',').map(Number);
/** Owned backups in the retention measurement (0 skips it). */
const RETENTION_COUNT = Number(process.env.BENCH_RETENTION ?? 100_000);
/** The scale section's fleet (issue #11); 0 leaves it out. */
const SCALE = Number(process.env.BENCH_SCALE ?? 10_000);
const MIN_SECONDS = 60;
const MAX_SECONDS = 24 * 3600;
const HISTORY_LIMIT = 25_000;
const PAYLOAD_LIMIT = 256 * 1024;

interface Row {
  size: number;
  mode: 'adaptive' | 'fixed-300s';
  figures: RunFigures;
  status: string;
  failed: number;
  wallSeconds: number;
  simulatedHours: number;
}

async function runOnce(size: number, mode: Row['mode']): Promise<Row> {
  const polling =
    mode === 'adaptive' ? { deadlineHours: 48 } : { minWaitSeconds: 300, maxWaitSeconds: 300, deadlineHours: 48 };
  const wallStart = Date.now();
  const sandbox = await startSandbox({
    fleet: { kind: 'generated', size, minSeconds: MIN_SECONDS, maxSeconds: MAX_SECONDS },
    seed: 1000 + size,
    config: { polling },
    // 1,000 resources include 150 RDS instances, past AWS's default 100 manual snapshots per region, and
    // ~1,850 daily snapshots of up to 24 h: ~250 pending at once on average, past the default 100 pending
    // snapshots. An estate this size raises both; model the raised quotas so the run measures orchestration
    // (at the defaults the starts past the quota fail with `start window`, as `npm start -- --fleet` shows).
    limits: SCALE_QUOTAS,
  });
  try {
    const execution = sandbox.sfn.startExecution(
      sandbox.stateMachineArn,
      `bench-${size}-${mode}`,
      JSON.stringify({ tier: 'daily' }),
    );
    const result = await execution.done;
    const records = await sandbox.store.listResources(`bench-${size}-${mode}`);
    return {
      size,
      mode,
      figures: computeFigures(result, records, sandbox.model),
      status: result.status,
      failed: records.filter((r) => r.status === 'FAILED').length,
      wallSeconds: (Date.now() - wallStart) / 1000,
      simulatedHours: (result.stoppedAt.getTime() - result.startedAt.getTime()) / 3_600_000,
    };
  } finally {
    await sandbox.close();
  }
}

const fmt = (n: number, d = 2) => (Number.isInteger(n) ? String(n) : n.toFixed(d));
const ratio = (a: number, b: number) => (b === 0 ? '-' : `${(a / b).toFixed(2)}x`);

function table(rows: Row[]): string {
  const lines = [
    '| fleet | polling | status | transitions / backup | describe calls / backup | polls / backup | Lambda invocations / backup | parent history events | largest child history | payload high-water | detection latency mean / max (% of duration) | within max(60 s, 10%) | cost / 1,000 backups | wall time |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const f = r.figures;
    lines.push(
      `| ${r.size} | ${r.mode} | ${r.status}${r.failed ? ` (${r.failed} failed)` : ''} | ${fmt(f.transitionsPerBackup)} | ${fmt(f.describeCallsPerBackup)} | ${fmt(f.pollsPerBackup)} | ${fmt(f.invocationsPerBackup)} | ${f.parentHistoryEvents} | ${f.largestChildHistoryEvents} | ${(f.payloadHighWaterBytes / 1024).toFixed(1)} KiB | ${fmt(f.detectionLatencyPct.mean)} / ${fmt(f.detectionLatencyPct.max)} | ${f.detectedWithinTarget}/${f.backups} | $${f.costPer1000Backups.toFixed(3)} | ${r.wallSeconds.toFixed(1)} s |`,
    );
  }
  return lines.join('\n');
}

function ratios(rows: Row[]): string {
  const lines = ['| fleet | transitions (adaptive / fixed) | describe calls | polls | cost |', '|---|---|---|---|---|'];
  for (const size of SIZES) {
    const a = rows.find((r) => r.size === size && r.mode === 'adaptive')?.figures;
    const b = rows.find((r) => r.size === size && r.mode === 'fixed-300s')?.figures;
    if (!a || !b) continue;
    lines.push(
      `| ${size} | ${ratio(a.transitionsPerBackup, b.transitionsPerBackup)} | ${ratio(a.describeCallsPerBackup, b.describeCallsPerBackup)} | ${ratio(a.pollsPerBackup, b.pollsPerBackup)} | ${ratio(a.costPer1000Backups, b.costPer1000Backups)} |`,
    );
  }
  return lines.join('\n');
}

function apiCalls(rows: Row[]): string {
  const ops = [...new Set(rows.flatMap((r) => Object.keys(r.figures.awsCallsPerBackup)))].sort();
  const lines = [`| fleet | polling | ${ops.join(' | ')} |`, `|---|---|${ops.map(() => '---').join('|')}|`];
  for (const r of rows)
    lines.push(`| ${r.size} | ${r.mode} | ${ops.map((o) => fmt(r.figures.awsCallsPerBackup[o] ?? 0)).join(' | ')} |`);
  return lines.join('\n');
}

function targets(rows: Row[]): string {
  const adaptive = rows.filter((r) => r.mode === 'adaptive');
  const largest = adaptive.find((r) => r.size === Math.max(...SIZES));
  const check = (ok: boolean) => (ok ? 'met' : '**not met**');
  const out: string[] = [];
  const worst = (pick: (f: RunFigures) => number) => Math.max(...adaptive.map((r) => pick(r.figures)));
  const bySize = (pick: (f: RunFigures) => number) =>
    adaptive.map((r) => `${r.size}: ${fmt(pick(r.figures))}`).join(', ');
  out.push(
    `- ≤ 14 state transitions per backup: ${bySize((f) => f.transitionsPerBackup)} — ${check(worst((f) => f.transitionsPerBackup) <= 14)}`,
    '  (a run has fixed transitions of its own — Plan, the run lock, the retention fan-out, Notify — which weigh on a 10-resource run; a 1,000-resource run in one region starts its whole fleet at once against the 5/s CreateSnapshot(s) bucket, and each throttled start is one billed retry: about 0.9 per backup. The scale section below measures the goal at 10,000 resources over three regions.)',
  );
  out.push(
    `- ≤ 4 describe calls per backup: ${bySize((f) => f.describeCallsPerBackup)} — ${check(worst((f) => f.describeCallsPerBackup) <= 4)}`,
    "  (discovery and retention's listings are per run, not per backup: they weigh on small fleets.)",
  );
  const missed = adaptive.reduce((a, r) => a + (r.figures.backups - r.failed - r.figures.detectedWithinTarget), 0);
  out.push(`- detection within max(60 s, 10% of duration): ${missed} backup(s) outside — ${check(missed === 0)}`);
  out.push(
    `- ≤ $0.40 per 1,000 backups: worst $${worst((f) => f.costPer1000Backups).toFixed(3)} — ${check(worst((f) => f.costPer1000Backups) <= 0.4)}`,
  );
  if (largest) {
    const f = largest.figures;
    out.push(
      `- no history above ${HISTORY_LIMIT.toLocaleString('en')} events at ${largest.size} resources: parent ${f.parentHistoryEvents}, largest child ${f.largestChildHistoryEvents} — ${check(f.parentHistoryEvents < HISTORY_LIMIT && f.largestChildHistoryEvents < HISTORY_LIMIT)}`,
    );
    out.push(
      `- ${largest.size}-resource run under 5 min wall: ${largest.wallSeconds.toFixed(1)} s — ${check(largest.wallSeconds < 300)}`,
    );
    // The item list is in S3 (the Map's ItemReader) and the children's results too (ResultWriter):
    // the largest payload is one child's, the same at any fleet size.
    const payloads = adaptive.map((r) => r.figures.payloadHighWaterBytes);
    const spread = Math.max(...payloads) - Math.min(...payloads);
    out.push(
      `- projection for 10,000 resources: parent history stays ${f.parentHistoryEvents} events (each resource is its own child execution; the largest child does not grow with the fleet); ` +
        `the largest state payload is ${(Math.max(...payloads) / 1024).toFixed(1)} KiB at every fleet size (spread ${spread} bytes from ${adaptive[0]?.size ?? 0} to ${largest.size} resources: Plan writes the item list to S3, the Map reads it with ItemReader and writes its results with ResultWriter) — ` +
        `${check(spread < 1024 && Math.max(...payloads) < PAYLOAD_LIMIT)}.`,
    );
  }
  return out.join('\n');
}

async function runScaleLogged(size: number, lambdaConcurrency?: number): Promise<Awaited<ReturnType<typeof runScale>>> {
  process.stdout.write(
    `running ${size} resources, default configuration, raised quotas${lambdaConcurrency ? `, Lambda concurrency ${lambdaConcurrency}` : ''}… `,
  );
  const row = await runScale(size, {}, lambdaConcurrency);
  process.stdout.write(
    `${row.status} in ${row.wallSeconds.toFixed(1)} s (${row.simulatedHours.toFixed(1)} h simulated)\n`,
  );
  return row;
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const size of SIZES) {
    for (const mode of ['adaptive', 'fixed-300s'] as const) {
      process.stdout.write(`running ${size} resources, ${mode} polling… `);
      const row = await runOnce(size, mode);
      rows.push(row);
      process.stdout.write(
        `${row.status} in ${row.wallSeconds.toFixed(1)} s (${row.simulatedHours.toFixed(1)} h simulated)\n`,
      );
    }
  }
  process.stdout.write(`running retention over ${RETENTION_COUNT} owned backups… `);
  const retention = await benchRetention(RETENTION_COUNT);
  process.stdout.write(retention ? `${retention.status} in ${retention.wallSeconds.toFixed(1)} s\n` : 'skipped\n');
  process.stdout.write('running a restore drill of each type and mode… ');
  const restores = await benchRestores();
  process.stdout.write(`${restores.rows.length} drills in ${restores.wallSeconds.toFixed(1)} s\n`);
  process.stdout.write('running the region-loss game day… ');
  const gameDay = await benchGameDay();
  process.stdout.write(`${gameDay.code === 0 ? 'passed' : 'FAILED'} in ${gameDay.wallSeconds.toFixed(1)} s\n`);
  const scale = SCALE > 0 ? await runScaleLogged(SCALE) : undefined;
  const limited = SCALE > 0 ? await runScaleLogged(SCALE, LIMITED_LAMBDA_CONCURRENCY) : undefined;
  process.stdout.write('timing the CLI start… ');
  const cliStart = await benchCliStart();
  process.stdout.write(`${cliStart.rows.length} commands, ${cliStart.runs} runs each\n`);
  const body = [
    '# Benchmarks',
    '',
    `Generated by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)} (Node ${process.version}, ${process.platform}/${process.arch}).`,
    'Each run executes statemachines/backup.asl.json in the local sandbox with the real handlers against the',
    'emulator (virtual time), on a generated fleet (64% EC2 instances with 1-3 volumes, 14% standalone volumes,',
    `14% RDS instances, 9% DocumentDB and Neptune clusters) whose snapshot durations are log-uniform from ${MIN_SECONDS / 60} minute to ${MAX_SECONDS / 3600} hours.`,
    '"adaptive" is the pipeline as configured (two-phase progress-aware waits, 60 s to 6 h); "fixed-300s" polls every 5 minutes.',
    `The estate carries the quotas an operator of its size raises (${Object.entries(SCALE_QUOTAS)
      .map(([k, v]) => `${k} ${v}`)
      .join(
        ', ',
      )}; AWS's defaults are 100 each): at the defaults a 1,000-resource daily estate needs more pending snapshots than it may have.`,
    'Costs use public prices: $0.025 per 1,000 state transitions plus Lambda requests/compute and DynamoDB writes.',
    '',
    '## Figures',
    '',
    table(rows),
    '',
    '## Adaptive vs fixed 300 s polling',
    '',
    ratios(rows),
    '',
    '## AWS API calls per backup, by operation',
    '',
    apiCalls(rows),
    '',
    '## Targets',
    '',
    targets(rows),
    '',
    ...(scale
      ? [
          `## Scale: ${scale.size.toLocaleString('en')} resources over ${scale.regions.length} regions in one daily run`,
          '',
          scaleSection(scale),
          '',
        ]
      : []),
    ...(limited ? [limitedConcurrencySection(limited), ''] : []),
    ...(retention ? [retentionSection(retention)] : []),
    restoreSection(restores),
    '',
    gameDaySection(gameDay),
    cliStartSection(cliStart),
  ].join('\n');
  process.stdout.write(`\n${body}\n`);
  const file = join(__dirname, '..', 'docs', 'benchmarks.md');
  // What the bench does not measure (the test suite's time) stays as the file has it.
  const kept = existsSync(file) ? keptSections(readFileSync(file, 'utf8')) : [];
  writeFileSync(file, `${[body, ...kept].map((part) => part.trimEnd()).join('\n\n')}\n`);
  process.stdout.write('Written to docs/benchmarks.md\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
