/**
 * The setup the driver and store tests share (tests/unit/services/**): SDK clients mocked with
 * aws-sdk-client-mock and reset before every test, its jest matchers, a start request as the workflow
 * makes it, the tags discovery answers carry, and an owned backup as retention sees it. The offline
 * environment (region, credentials, no SDK retries) is tests/support/setup-env.ts, for every test.
 */
import 'aws-sdk-client-mock-jest';
import { mockClient } from 'aws-sdk-client-mock';
import type { ResourceRef } from '../../shared/resource';
import type { OwnedBackup, StartRequest } from '../../shared/services/driver';
import { ownershipValues, REGION, STACK } from './unit-fixtures';

/** mockClient for the whole test file, with every stub reset (calls and answers) before each test. */
export const mockedClient = ((client: Parameters<typeof mockClient>[0]) => {
  const stub = mockClient(client);
  beforeEach(() => stub.reset());
  return stub;
}) as typeof mockClient;

/** The tag a fleet is selected by in these tests; discovery answers carry it (drivers re-check it exactly). */
export const BACKUP_TAG = [{ Key: 'backup', Value: 'true' }];

/** What Start backup passes a driver for `resource` in run `run-1`. */
export function startRequest(
  resource: ResourceRef,
  mayExist: boolean,
  extra: Partial<StartRequest> = {},
): StartRequest {
  return { resource, runId: 'run-1', mayExist, tags: ownershipValues(resource), ...extra };
}

/** A daily backup of run `run-1` this stack owns, expired a week after it was made. */
export function ownedBackup(
  kind: OwnedBackup['kind'],
  id: string,
  source: string,
  extra: Partial<OwnedBackup> = {},
): OwnedBackup {
  return {
    kind,
    id,
    region: REGION,
    source,
    tier: 'daily',
    runId: 'run-1',
    managedBy: STACK,
    createdAt: new Date('2026-01-05T02:00:00Z'),
    expiresAt: new Date('2026-01-12T02:00:00Z'),
    complete: true,
    heldBy: [],
    ...extra,
  };
}
