/**
 * `backup-pipeline report <run>`: reads one run from the state table, through the same target
 * resolution and StateStore as `status` (so it works against AWS and the sandbox alike), and the
 * restores and drills of the run's window (cli/report/restore-window.ts) as `status --rto` reads them,
 * and writes the self-contained HTML page of cli/report/render-report.ts. Prints the file's path.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ResourceRecord, RunRecord } from '../../shared/state/records';
import { RestoreStore } from '../../shared/state/restore-store';
import type { StateStore } from '../../shared/state/store';
import { renderReport } from '../report/render-report';
import { reportRestoreWindow } from '../report/restore-window';
import { CliError, explainAwsError, resolveTarget, type TargetOptions } from '../target';
import { loadRun, storeFor } from './operate';
import { RESTORES_READ } from './rto';

type Out = NodeJS.WritableStream;

/** The default file name, kept to characters every file system accepts. */
export function defaultReportPath(runId: string): string {
  return `backup-report-${runId.replace(/[^A-Za-z0-9._-]/g, '_')}.html`;
}

/**
 * The report page of one run: its restore window (until the tier's next run) and the restores and drills
 * that started before the window's end, as `status --rto` reads them. `report` and `npm start` use it.
 */
export async function runReportPage(
  store: Pick<StateStore, 'nextRunOfTier'>,
  restores: Pick<RestoreStore, 'list'>,
  run: RunRecord,
  resources: readonly ResourceRecord[],
  generatedAt: Date,
): Promise<string> {
  const window = reportRestoreWindow(run, await store.nextRunOfTier(run.tier, run.startedAt));
  // The newest restores that started before the window's end: its own, and the drills before it that
  // the per-type lines summarize as `status --rto` does.
  const records = await restores.list(RESTORES_READ, window.to === undefined ? {} : { to: window.to });
  return renderReport({ run, resources, generatedAt, restores: { window, records } });
}

/** Writes a report page, or says in one line why it cannot (`what` names the flag that picks the path). */
export function writeReport(path: string, page: string, what: string): void {
  try {
    writeFileSync(path, page, 'utf8');
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new CliError(`cannot write the report to ${path}: ${e.code ?? e.message} (pass another ${what})`);
  }
}

export async function reportCommand(
  idOrArn: string,
  options: TargetOptions & { out?: string },
  out: Out = process.stdout,
): Promise<number> {
  const target = await resolveTarget(options);
  const { store, client, close } = storeFor(target);
  try {
    const { runId, run, resources } = await loadRun(store, target.tableName, idOrArn);
    const restores = new RestoreStore(DynamoDBDocumentClient.from(client), target.tableName);
    const page = await runReportPage(store, restores, run, resources, new Date()).catch((error: unknown) => {
      throw explainAwsError(error, `table ${target.tableName}`);
    });
    const path = resolve(options.out ?? defaultReportPath(runId));
    writeReport(path, page, '--out');
    out.write(`Report of run ${runId} written to ${path}\n`);
    return 0;
  } finally {
    close();
  }
}
