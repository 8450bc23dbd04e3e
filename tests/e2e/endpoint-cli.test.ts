/**
 * `npm start -- --endpoint URL` as a new user runs it, against an independently started AWS-compatible
 * endpoint (a second sandbox in the test process, account 444455556666, on the wall clock) with the
 * default polling config: every wait is the real 60 s minimum, which aws-local-stepfunctions' 60 s Task
 * timeout used to kill. One run, about a minute and a half of wall time.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCdkConfig } from '../../local/sandbox';
import {
  ENDPOINT_ACCOUNT,
  ENDPOINT_REGION,
  type EndpointEstate,
  startEndpointEstate,
} from '../support/endpoint-estate';
import { killStragglers, ROOT, runProcess } from '../support/processes';

jest.setTimeout(360_000);

let estate: EndpointEstate;
let dir: string;
beforeAll(async () => {
  estate = await startEndpointEstate();
  dir = mkdtempSync(join(tmpdir(), 'endpoint-cli-'));
});
afterAll(async () => {
  killStragglers();
  await estate.sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('npm start -- --endpoint URL', () => {
  it('backs up a mixed fleet in another account with real 60 s waits, exits 0, notifies and exports there', async () => {
    // Prepare: the defaults a user gets (cdk.json), nothing pointing the CLI anywhere but --endpoint.
    expect(readCdkConfig(ROOT).polling.minWaitSeconds).toBe(60);
    const report = join(dir, 'report.json');
    const env = { ...process.env };
    for (const key of Object.keys(env)) if (key.startsWith('AWS_ENDPOINT_URL')) delete env[key];
    const startedAt = Date.now();

    // Act
    const out = await runProcess(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
        join(ROOT, 'cli', 'index.ts'),
        'local',
        '--endpoint',
        estate.sandbox.endpoint,
        '--report',
        report,
        '--quiet',
      ],
      { env, timeoutMs: 330_000 },
    );
    const wallSeconds = (Date.now() - startedAt) / 1000;

    // Assess
    // The run's own account of itself first: on failure it shows the table and the execution's error.
    expect(out.stdout).toMatch(/Execution SUCCEEDED/);
    expect({ code: out.code, stderr: out.stderr }).toEqual({ code: 0, stderr: '' });
    const written = JSON.parse(readFileSync(report, 'utf8')) as {
      status: string;
      executionArn: string;
      resources: { arn: string; status: string; polls: number }[];
    };
    expect(written.status).toBe('SUCCEEDED');
    expect(written.executionArn).toContain(`:${ENDPOINT_ACCOUNT}:execution:`);
    expect(written.resources.map((r) => [r.arn.split(/[/:]/).at(-1), r.status]).sort()).toEqual(
      estate.tagged.map((id) => [id, 'COMPLETED']).sort(),
    );
    // Each backup took about 2 s and was seen done at its first check, after the full minimum wait.
    expect(written.resources.every((r) => r.polls === 1)).toBe(true);
    expect(wallSeconds).toBeGreaterThan(60);
    const model = estate.sandbox.model;
    expect(model?.sns.map((m) => m.TopicArn)).toEqual([
      `arn:aws:sns:${ENDPOINT_REGION}:${ENDPOINT_ACCOUNT}:BackupPipeline-notifications`,
    ]);
    expect(model?.sns[0]?.Message).toContain('succeeded');
    expect(out.stdout).toContain(
      `Notifications go to arn:aws:sns:${ENDPOINT_REGION}:${ENDPOINT_ACCOUNT}:BackupPipeline-notifications`,
    );
    const exports = model?.dynamoExports(ENDPOINT_REGION) ?? [];
    expect(exports.map((e) => [e.TableArn, e.ExportStatus])).toEqual([
      [`arn:aws:dynamodb:${ENDPOINT_REGION}:${ENDPOINT_ACCOUNT}:table/clickstream`, 'COMPLETED'],
    ]);
    expect(model?.s3Buckets.has(exports[0]?.S3Bucket ?? '')).toBe(true);
  });
});
