/**
 * End to end: `cdk synth` with a bad cdk.json, as the CDK CLI runs the app (context in CDK_CONTEXT_JSON):
 * one message naming each bad key and exit 1, never a Node stack trace.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

jest.setTimeout(60_000);

const ROOT = join(__dirname, '..', '..');

describe('cdk synth with an invalid cdk.json', () => {
  it('names every bad key in a short message and exits 1, without a stack trace', () => {
    // Prepare: two bad keys, as `cdk synth` hands the app its context.
    const context = { backupPipeline: { mapMaxConcurrency: 0, polling: { startWindowHours: -1 } } };

    // Act
    const out = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'infra/bin/app.ts'],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: {
          ...process.env,
          CDK_CONTEXT_JSON: JSON.stringify(context),
          CDK_OUTDIR: mkdtempSync(join(tmpdir(), 'cdk-out-')),
        },
      },
    );

    // Assess
    expect(out.status).toBe(1);
    expect(out.stderr.trim().split('\n')).toEqual([
      'Invalid cdk.json context:',
      '  backupPipeline.mapMaxConcurrency: Too small: expected number to be >=1',
      '  backupPipeline.polling.startWindowHours: Too small: expected number to be >=1',
    ]);
  });
});
