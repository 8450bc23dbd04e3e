/**
 * cli/commands/restore.ts: the restore input the CLI starts the restore state machine with. A drill by
 * hand is a drill like the schedule's: it restores into the configuration's isolated placement (per
 * region, cdk.json drills.placement), never beside production; an operator's restore carries none.
 */
import { restoreInput } from '../../../cli/commands/restore';
import { parsePlacement } from '../../../cli/options';
import { parsePipelineConfig } from '../../../shared/config';

const isolated = { subnetId: 'subnet-0d7111a5e0b1d7e11', securityGroupIds: ['sg-0d7111a5e0b1d7e12'] };
const config = parsePipelineConfig({ drills: { placement: { 'eu-west-1': isolated } } });

describe('restoreInput', () => {
  it("gives a drill by hand the configuration's isolated placement, per region", () => {
    expect(restoreInput('bp-daily-r1-orders', undefined, { latest: false, drill: true }, config)).toEqual({
      backupId: 'bp-daily-r1-orders',
      drill: true,
      placements: { 'eu-west-1': isolated },
    });
  });

  it("gives an operator's restore no placement, and names what the options name", () => {
    expect(
      restoreInput(
        undefined,
        'arn:aws:rds:eu-west-1:111122223333:db:orders',
        { latest: true, drill: false, restoreRegion: 'us-west-2', name: 'orders-dr' },
        config,
      ),
    ).toEqual({
      resource: 'arn:aws:rds:eu-west-1:111122223333:db:orders',
      latest: true,
      region: 'us-west-2',
      name: 'orders-dr',
    });
  });

  it('passes the placement an operator gives for the restore region (a DR region without a default VPC, say)', () => {
    const placement = { dbSubnetGroupName: 'dr-private', dbParameterGroupName: 'orders-pg16-dr' };
    expect(
      restoreInput(
        'bp-daily-r1-orders',
        undefined,
        { latest: false, drill: false, restoreRegion: 'us-west-2', placement },
        config,
      ),
    ).toEqual({ backupId: 'bp-daily-r1-orders', region: 'us-west-2', placement });
  });

  it('reads --placement as JSON, naming a value that is not', () => {
    expect(parsePlacement('{"dbSubnetGroupName":"dr-private"}')).toEqual({ dbSubnetGroupName: 'dr-private' });
    expect(() => parsePlacement('dbSubnetGroupName=dr-private')).toThrow(/--placement: expected JSON/);
  });
});
