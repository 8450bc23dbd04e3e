/**
 * One home per service, in every layer (issue #10). A service registered in shared/services/catalog.ts
 * (its types, ARN patterns, permissions) must also have its drivers (shared/services/index.ts), its
 * module in the sandbox's AWS model (local/model), its wire protocol in the emulator (local/emulator),
 * and resources in the demo estate (local/estates/fleet.ts) that its own drivers discover through the model.
 * A type or service registered in one layer and not the others fails here; the recipe is in
 * docs/architecture.md ("Services: one home each").
 */
import { registerAwsServices } from '../../../local/emulator';
import type { EmulatorServer } from '../../../local/emulator/server';
import { BACKUP_TAG, seedDemoFleet } from '../../../local/estates/fleet';
import { AwsModel } from '../../../local/model';
import { DRIVERS } from '../../../shared/services';
import { SERVICES } from '../../../shared/services/catalog';
import { wireDynamoControlPlane, wireModelToSdk } from '../../support/model-sdk-mocks';
import { ACCOUNT, REGION } from '../../support/unit-fixtures';

const NOW = new Date('2026-11-02T02:00:00.000Z');
const newModel = () => new AwsModel({ accountId: ACCOUNT, clock: { now: () => NOW }, tokenBuckets: false });
const byService = SERVICES.map((service) => [service.service, service] as const);

describe('service layers', () => {
  it.each(byService)('%s: every type has its driver, and the service its IAM permissions', (_name, service) => {
    for (const entry of service.types) expect(DRIVERS[entry.type]?.type).toBe(entry.type);
    expect(Object.keys(service.permissions).length).toBeGreaterThan(0);
  });

  it('gives every service a module in the AWS model', () => {
    // Prepare
    const model = newModel();

    // Act
    const modules = Object.keys(model.services);

    // Assess
    expect(modules).toEqual(expect.arrayContaining(SERVICES.map((s) => s.service)));
  });

  it('gives every service a wire protocol in the emulator', () => {
    // Prepare
    const registered: string[] = [];
    const server = { register: (name: string) => registered.push(name) } as unknown as EmulatorServer;

    // Act
    registerAwsServices(server, newModel());

    // Assess
    expect(registered).toEqual(expect.arrayContaining(SERVICES.map((s) => s.service)));
  });

  describe('the demo estate', () => {
    const model = newModel();
    let restore: (() => void)[] = [];
    beforeAll(() => {
      seedDemoFleet(model, REGION);
      const sdk = wireModelToSdk(model);
      restore = [() => sdk.restore(), wireDynamoControlPlane(model)];
    });
    afterAll(() => {
      for (const undo of restore) undo();
    });

    it.each(SERVICES.flatMap((s) => s.types.map((t) => [t.type] as const)))(
      'has a %s that its driver discovers through the model',
      async (type) => {
        // Act
        const found = await DRIVERS[type].discover(REGION, { [BACKUP_TAG.Key]: BACKUP_TAG.Value }, ACCOUNT);

        // Assess
        expect(found.filter((d) => d.ref.type === type && !d.skipReason && !d.partOf).length).toBeGreaterThan(0);
      },
    );
  });
});
