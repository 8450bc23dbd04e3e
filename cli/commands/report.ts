/**
 * `backup-pipeline report <run>`: reads one run from the state table, through the same target
 * resolution and StateStore as `status` (so it works against AWS and the sandbox alike), and the
 * restores and drills of the run's window (cli/report/restore-window.ts) as `status --rto` reads them,
 * and writes the self-contained HTML page of cli/report/render-report.ts. Prints the file's path.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { RestoreStore } from '../../shared/state/restore-store';
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

export async function reportCommand(
  idOrArn: string,
  options: TargetOptions & { out?: string },
  out: Out = process.stdout,
): Promise<number> {
  const target = await resolveTarget(options);
  const { store, client, close } = storeFor(target);
  try {
    const { runId, run, resources } = await loadRun(store, target.tableName, idOrArn);
    const window = reportRestoreWindow(
      run,
      await store.nextRunOfTier(run.tier, run.startedAt).catch((error: unknown) => {
        throw explainAwsError(error, `table ${target.tableName}`);
      }),
    );
    // The newest restores that started before the window's end: its own, and the drills before it that
    // the per-type lines summarize as `status --rto` does.
    const records = await new RestoreStore(DynamoDBDocumentClient.from(client), target.tableName)
      .list(RESTORES_READ, window.to === undefined ? {} : { to: window.to })
      .catch((error: unknown) => {
        throw explainAwsError(error, `table ${target.tableName}`);
      });
    const path = resolve(options.out ?? defaultReportPath(runId));
    try {
      writeFileSync(
        path,
        renderReport({ run, resources, generatedAt: new Date(), restores: { window, records } }),
        'utf8',
      );
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      throw new CliError(`cannot write the report to ${path}: ${e.code ?? e.message} (pass another --out)`);
    }
    out.write(`Report of run ${runId} written to ${path}\n`);
    return 0;
  } finally {
    close();
  }
}
