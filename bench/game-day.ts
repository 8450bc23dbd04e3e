/**
 * The bench's game-day section (issue #19 item 12): `npm start -- --game-day` run as fast as the
 * virtual clock allows, its application's recovery time and recovery point (simulated, from the model's
 * restore durations), each restore's, and the wall time on this machine. `npm run bench` includes it;
 * `npm run bench:game-day` runs it alone and replaces its section of docs/benchmarks.md.
 */
import '../local/process-defaults';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type GameDayResult, runGameDay } from '../cli/commands/game-day';
import { humanDuration } from '../cli/durations';

const TITLE = '## Region-loss game day';

export async function benchGameDay(): Promise<GameDayResult> {
  // The command's own output is the operator's; the bench keeps the figures.
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  return runGameDay({ seed: 42 }, sink);
}

export function gameDaySection(result: GameDayResult): string {
  const minutes = (seconds: number | undefined) => (seconds === undefined ? '-' : humanDuration(seconds));
  const rows = [...result.restores]
    .sort((a, b) => (a.wave ?? 1) - (b.wave ?? 1) || a.restoreId.localeCompare(b.restoreId, 'en', { numeric: true }))
    .map(
      (r) =>
        `| ${r.wave ?? 1} | ${r.type} | ${r.arn.replace(/^.*[:/]/, '')} | ${r.status} | ${r.validation?.status ?? '-'} | ${r.cleanup?.status ?? '-'} | ${minutes(r.recoverySeconds)} |`,
    );
  return [
    TITLE,
    '',
    '`npm start -- --game-day`: the demo estate and the `app=shop` application backed up with copies to us-west-2,',
    'eu-west-1 lost, then the application drilled from us-west-2 alone through `restore --application` on the',
    'recovery stack (databases and tables first, then instances and volumes; each validated and deleted). Recovery',
    "time runs from the restore execution's start to the last restore available; the recovery point is the age of",
    'the oldest data restored at that start (the backup run before it took the simulated night). Durations are the',
    "model's, from size.",
    '',
    `- Result: ${result.code === 0 ? 'passed' : 'FAILED'}; ${result.restores.length} restored, ${result.notRecoverable.length} not recoverable in us-west-2 (${result.notRecoverable.map((s) => s.arn.replace(/^.*[:/]/, '')).join(', ') || 'none'}); ${result.callsToLostRegion} calls reached eu-west-1 after its loss.`,
    `- Application recovery time: **${minutes(result.recoveryTimeSeconds)}** (simulated); recovery point: **${minutes(result.recoveryPointSeconds)}**.`,
    `- Wall time on this machine (backup run, region loss, the drill and its clean-up): ${result.wallSeconds.toFixed(1)} s.`,
    '',
    '| wave | type | source | status | validation | clean-up | available after |',
    '|---:|---|---|---|---|---|---:|',
    ...rows,
    '',
  ].join('\n');
}

/** Replaces (or appends) the section in docs/benchmarks.md, leaving the rest of the file as the last full bench wrote it. */
function writeSection(section: string): void {
  const file = join(__dirname, '..', 'docs', 'benchmarks.md');
  const doc = readFileSync(file, 'utf8');
  const start = doc.indexOf(TITLE);
  const next = start < 0 ? -1 : doc.indexOf('\n## ', start + TITLE.length);
  const updated =
    start < 0
      ? `${doc.trimEnd()}\n\n${section}`
      : `${doc.slice(0, start)}${section}${next < 0 ? '' : doc.slice(next + 1)}`;
  writeFileSync(file, updated);
}

if (require.main === module) {
  benchGameDay()
    .then((result) => {
      const section = gameDaySection(result);
      process.stdout.write(`${section}\n`);
      writeSection(section);
      process.stdout.write('Written to docs/benchmarks.md\n');
      process.exitCode = result.code;
    })
    .catch((error: unknown) => {
      process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    });
}
