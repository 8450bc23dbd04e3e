/**
 * `backup-pipeline report <run>`: reads one run from the state table, through the same target
 * resolution and StateStore as `status` (so it works against AWS and the sandbox alike), and writes
 * the self-contained HTML page of cli/report/render-report.ts. Prints the file's path.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { renderReport } from '../report/render-report';
import { CliError, resolveTarget, type TargetOptions } from '../target';
import { loadRun, storeFor } from './operate';

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
  const { store, close } = storeFor(target);
  try {
    const { runId, run, resources } = await loadRun(store, target.tableName, idOrArn);
    const path = resolve(options.out ?? defaultReportPath(runId));
    try {
      writeFileSync(path, renderReport({ run, resources, generatedAt: new Date() }), 'utf8');
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
