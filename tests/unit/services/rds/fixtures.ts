/**
 * RDS's fixtures of the unit layer: a DB instance's and an Aurora cluster's ref, RDS errors as the SDK
 * throws them, and a drill's restore record. The generic ones are in tests/support/unit-fixtures.ts.
 */
import * as rds from '@aws-sdk/client-rds';
import type { ResourceRef } from '../../../../shared/resource';
import type { RestoreRecord } from '../../../../shared/state/records';
import { REGION, refOf, sdkError } from '../../../support/unit-fixtures';

export const dbRef = (id = 'orders'): ResourceRef => refOf('rds-instance', id);

export const clusterRef = (id = 'ledger'): ResourceRef => refOf('aurora-cluster', id);

/**
 * An RDS error as the SDK throws it: the modelled fault class (name `...Fault`) carrying the wire
 * code in `Code` (e.g. InvalidDBInstanceStateFault with Code InvalidDBInstanceState), or a plain
 * RDSServiceException named by the code for unmodelled errors such as Throttling.
 */
export function rdsError(code: string, message = `${code} (mocked)`, options: { withCode?: boolean } = {}): Error {
  return sdkError(rds, code, message, options);
}

/** A drill of the `orders` DB that passed (restored, then deleted), started at `startedAt`. */
export const restoreRecord = (
  restoreId: string,
  startedAt: string,
  overrides: Partial<RestoreRecord> = {},
): RestoreRecord => ({
  restoreId,
  arn: dbRef().arn,
  type: dbRef().type,
  runId: 'daily-1',
  tier: 'daily',
  sourceRegion: REGION,
  region: REGION,
  backupIds: ['bp-daily-1-orders'],
  name: `orders-${restoreId}`,
  drill: true,
  status: 'AVAILABLE',
  startedAt,
  restoredIds: [`orders-${restoreId}`],
  availableAt: startedAt,
  recoverySeconds: 1500,
  finishedAt: startedAt,
  cleanup: { status: 'DELETED', at: startedAt },
  ...overrides,
});
