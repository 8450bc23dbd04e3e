/**
 * `npm start --dry-run` without `--` (issue #21 item 9): npm takes the flag for itself and runs the
 * script without it, setting `npm_config_dry_run=true` in its environment. The CLI reads that, says so
 * and runs the dry run that was meant, never a real run.
 */
import { killStragglers, runProcess, SHIPPED_CLI } from '../support/processes';

jest.setTimeout(120_000);
afterAll(killStragglers);

describe('npm start --dry-run (npm ate the flag)', () => {
  it('warns on stderr and runs a dry run, creating nothing', async () => {
    // Act: the CLI as `npm start --dry-run` starts it: no --dry-run, npm's variable set.
    const out = await runProcess(process.execPath, [SHIPPED_CLI, 'local', '--fleet', '2', '--quiet'], {
      env: {
        ...process.env,
        AWS_ENDPOINT_URL: '',
        AWS_ENDPOINT_URL_DYNAMODB: '',
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        npm_config_dry_run: 'true',
      },
    });

    // Assess
    expect(out.stderr).toBe(
      'backup-pipeline: npm took --dry-run for itself (npm start --dry-run): running a dry run; pass flags after -- (npm start -- --dry-run)\n',
    );
    expect(out.stdout).toMatch(/Dry run daily-local-\S+ \(daily\): nothing was created, copied or deleted\./);
    expect(out.code).toBe(0);
  });
});
