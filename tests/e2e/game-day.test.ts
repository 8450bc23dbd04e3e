/**
 * RegionLossGameDay (issue #19 item 12): `npm start -- --game-day` end to end, in process. The demo
 * estate and the `app=shop` application (custom DB parameter and option groups, no default VPC) are
 * backed up with copies to us-west-2 under its customer-managed key; eu-west-1 is then lost (the
 * sandbox answers no call to it); the application is restored from us-west-2 alone through the CLI's
 * `restore --application`, on the recovery stack there: databases first, then instances, each restore
 * recorded AVAILABLE with its recovery time, the application's recovery time and recovery point
 * printed, what us-west-2 cannot restore named with why, and no call reaching eu-west-1.
 */
import { PassThrough } from 'node:stream';
import { runGameDay } from '../../cli/commands/game-day';
import { runLocal } from '../../cli/commands/local';

jest.setTimeout(240_000);

describe('RegionLossGameDay', () => {
  it('restores the app=shop application in us-west-2 from its copies alone, databases first, with its RTO and RPO', async () => {
    // Prepare
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });

    // Act
    const result = await runGameDay({ seed: 42, timeScale: 0 }, out);

    // Assess
    expect({ code: result.code, output: result.code === 0 ? '' : text }).toEqual({ code: 0, output: '' });
    expect(result.backupStatus).toBe('SUCCEEDED');
    expect(result.callsToLostRegion).toBe(0);
    const byName = Object.fromEntries(result.restores.map((r) => [r.arn.replace(/^.*[:/]/, ''), r]));
    // The application's databases, instances, volume and exported table, each in the DR region.
    for (const restore of result.restores) {
      expect(restore).toMatchObject({ status: 'AVAILABLE', region: 'us-west-2', sourceRegion: 'eu-west-1' });
      expect(restore.recoverySeconds).toBeGreaterThan(0);
    }
    expect(Object.keys(byName)).toEqual(expect.arrayContaining(['shop-orders', 'shop-ledger', 'shop-events']));
    expect(result.restores.filter((r) => r.type === 'ec2-instance')).toHaveLength(2);
    expect(result.restores.filter((r) => r.type === 'ebs-volume')).toHaveLength(1);
    // Databases and tables first: every one had ended before any instance or volume restore started.
    const first = result.restores.filter((r) => r.wave === 1);
    const second = result.restores.filter((r) => r.wave === 2);
    expect(first.map((r) => r.type).sort()).toEqual(['aurora-cluster', 'dynamodb-table', 'rds-instance']);
    expect(second.map((r) => r.type).sort()).toEqual(['ebs-volume', 'ec2-instance', 'ec2-instance']);
    const firstEnded = Math.max(...first.map((r) => Date.parse(r.finishedAt ?? '')));
    for (const later of second) expect(Date.parse(later.startCalledAt ?? '')).toBeGreaterThanOrEqual(firstEnded);
    // A rehearsal: each restore validated, then deleted.
    for (const restore of result.restores) {
      expect(restore.validation?.status).toBe('PASSED');
      expect(restore.cleanup?.status).toBe('DELETED');
    }
    // On-demand DynamoDB backups have no copy in the DR region: named, with AWS's reason.
    expect(result.notRecoverable).toEqual([
      { arn: expect.stringContaining('table/shop-carts'), reason: expect.stringContaining('only through AWS Backup') },
    ]);
    expect(text).toContain('shop-carts');
    expect(result.recoveryTimeSeconds).toBeGreaterThan(0);
    expect(result.recoveryPointSeconds).toBeGreaterThan(0);
    expect(text).toMatch(/recovery time/i);
    expect(text).toMatch(/recovery point/i);
  });

  it('refuses the options that would change its estate or regions, naming each, before starting anything', async () => {
    // Act
    const refused = runLocal({
      fleet: { kind: 'demo' },
      gameDay: true,
      dryRun: true,
      copyTo: ['none'],
      regions: ['eu-west-1', 'us-east-1'],
      throttleRate: 0,
      failureRate: 0,
      crashRate: 0,
      seed: 42,
      serve: false,
      quiet: true,
    });

    // Assess
    await expect(refused).rejects.toThrow(
      '--game-day runs its own estate and regions: drop --regions, --copy-to, --dry-run',
    );
  });
});
