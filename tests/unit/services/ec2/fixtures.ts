/**
 * EC2's fixtures of the unit layer: an instance's and a volume's ref, EC2 errors as the SDK throws them,
 * and a daily EBS backup as retention sees it. The generic ones are in tests/support/unit-fixtures.ts.
 */
import * as ec2 from '@aws-sdk/client-ec2';
import type { ResourceRef } from '../../../../shared/resource';
import type { OwnedBackup } from '../../../../shared/services/driver';
import { REGION, refOf, STACK, sdkError } from '../../../support/unit-fixtures';

export const instanceRef = (id = 'i-0123456789abcdef0'): ResourceRef => refOf('ec2-instance', id);

export const volumeRef = (id = 'vol-0123456789abcdef0'): ResourceRef => refOf('ebs-volume', id);

/** An EC2 error as the SDK throws it: an EC2ServiceException (EC2 models no errors) whose name and Code are the AWS code. */
export function ec2Error(code: string, message = `${code} (mocked)`): Error {
  return sdkError(ec2, code, message);
}

/** A finished daily EBS backup of one volume as retention sees it, `ageDays` before `now`, expiring 7 days after it was made. */
export const dailyEbsBackup = (
  now: Date,
  id: string,
  ageDays: number,
  extra: Partial<OwnedBackup> = {},
): OwnedBackup => ({
  kind: 'ebs-snapshot',
  id,
  region: REGION,
  source: volumeRef().arn,
  tier: 'daily',
  runId: `run-${id}`,
  managedBy: STACK,
  createdAt: new Date(now.getTime() - ageDays * 86_400_000),
  expiresAt: new Date(now.getTime() - (ageDays - 7) * 86_400_000),
  complete: true,
  heldBy: [],
  ...extra,
});
