/**
 * The bench's CLI start section (issue #13, speed): how long `backup-pipeline --help` and `runs` take
 * as shipped (the bin running dist/cli.js, built as `npm ci` builds it), against a bare `node -e ''`,
 * each spawned several times in turn so a busy machine slows all alike; the TypeScript source through
 * tsx (the bin before) is measured beside them. `runs` answers from an empty sandbox (one table query).
 * `npm run bench:cli` measures this section alone and splices it into docs/benchmarks.md;
 * `npm run bench` includes it.
 */
import '../local/process-defaults';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSandbox } from '../local/sandbox';

const ROOT = join(__dirname, '..');
const BIN = join(ROOT, 'cli', 'backup-pipeline.js');
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
export const CLI_START_HEADING = '## CLI start';

export interface CliStartRow {
  label: string;
  command: string;
  medianMs: number;
  minMs: number;
  /** Median against `node -e ''`'s median. */
  ratio: number;
}

export interface CliStart {
  runs: number;
  rows: CliStartRow[];
}

interface Case {
  label: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

/** Builds the CLI as npm ci does, then spawns each case `runs` times in turn (after one warm-up round). */
export async function benchCliStart(runs = 10): Promise<CliStart> {
  const { buildCli } = require('../cli/build.js') as { buildCli: () => Promise<string> };
  await buildCli();
  const sandbox = await startSandbox({ fleet: { kind: 'none' } });
  try {
    const cases: Case[] = [
      { label: "node -e '' (the floor)", command: "node -e ''", args: ['-e', ''] },
      { label: 'backup-pipeline --help', command: 'backup-pipeline --help', args: [BIN, '--help'] },
      {
        label: 'backup-pipeline runs (empty sandbox)',
        command: 'backup-pipeline runs',
        args: [BIN, 'runs'],
        env: sandbox.env,
      },
      {
        label: '--help from the TypeScript source (tsx, the bin before)',
        command: 'tsx cli/index.ts --help',
        args: [TSX, join(ROOT, 'cli', 'index.ts'), '--help'],
      },
    ];
    const times = cases.map(() => [] as number[]);
    for (let round = 0; round <= runs; round++) {
      for (const [i, c] of cases.entries()) {
        const ms = await timeOnce(c);
        if (round > 0) times[i]?.push(ms);
      }
    }
    const floor = median(times[0] ?? []);
    return {
      runs,
      rows: cases.map((c, i) => ({
        label: c.label,
        command: c.command,
        medianMs: median(times[i] ?? []),
        minMs: Math.min(...(times[i] ?? [])),
        ratio: median(times[i] ?? []) / floor,
      })),
    };
  } finally {
    await sandbox.close();
  }
}

/** One spawn to its exit, in ms; asynchronous, so this process's sandbox answers `runs` meanwhile. */
function timeOnce(c: Case): Promise<number> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, c.args, { cwd: ROOT, env: { ...process.env, ...c.env }, stdio: 'pipe' });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) reject(new Error(`${c.command} exited ${code}: ${stderr.trim()}`));
      else resolve(ms);
    });
  });
}

export function cliStartSection(result: CliStart): string {
  const ms = (n: number) => `${Math.round(n)} ms`;
  return [
    CLI_START_HEADING,
    '',
    `Each command spawned ${result.runs} times in turn (after a warm-up round) as the package ships it: the bin`,
    'runs dist/cli.js, which `npm ci` builds (esbuild; each command loads its modules only when it runs). The ratio',
    "is the median against a bare `node -e ''` measured alongside; the TypeScript source through tsx is what the",
    'bin ran before.',
    '',
    "| command | median | fastest | against node -e '' |",
    '|---|---:|---:|---:|',
    ...result.rows.map((r) => `| ${r.label} | ${ms(r.medianMs)} | ${ms(r.minMs)} | ${r.ratio.toFixed(1)}x |`),
    '',
  ].join('\n');
}

/** Replaces the CLI start section of docs/benchmarks.md (or appends it), leaving the other sections as they are. */
export function spliceSection(document: string, section: string): string {
  const start = document.indexOf(`\n${CLI_START_HEADING}\n`);
  if (start < 0) return `${document.trimEnd()}\n\n${section}`;
  const next = document.indexOf('\n## ', start + 1);
  return `${document.slice(0, start + 1)}${section}${next < 0 ? '' : `\n${document.slice(next + 1)}`}`;
}

if (require.main === module) {
  const runs = Number(process.env.BENCH_CLI_RUNS ?? 10);
  benchCliStart(runs)
    .then((result) => {
      const section = cliStartSection(result);
      process.stdout.write(`${section}\n`);
      const file = join(ROOT, 'docs', 'benchmarks.md');
      writeFileSync(file, spliceSection(readFileSync(file, 'utf8'), section));
      process.stdout.write('Spliced into docs/benchmarks.md\n');
    })
    .catch((error: unknown) => {
      process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    });
}
