/**
 * The deployable artifact in the sandbox (issue #9 §1): the CDK app is synthesized once, with
 * bundling, and every Task runs the very bundle `cdk synth` produced, found through the template's
 * wiring and called with Lambda's calling convention, over the wire sandbox (emulator + dynalite +
 * the real ASL). A bundle that throws a name the ASL does not match (a minifier renaming error
 * classes), a wrong Handler or a missing asset fails here.
 */
import { readFileSync } from 'node:fs';
import { type Artifact, ArtifactError, deployedFunctions, synthesizeArtifact } from '../../local/artifact';
import { BACKUP_TAG } from '../../local/estates/fleet';
import type { LocalHandler } from '../../local/handlers';
import { invokeAsLambda } from '../../local/lambda-runtime';
import type { AwsModel } from '../../local/model';
import { loadDefinition } from '../../local/runner';
import { type SandboxOptions, startSandbox } from '../../local/sandbox';
import { ERROR_NAMES } from '../../shared/errors';
import { FUNCTION_NAMES, type FunctionName } from '../../shared/lambda/function-env';

jest.setTimeout(120_000);

const REGION = 'eu-west-1';
const DR_REGION = 'us-west-2';
const tagged = (name: string) => [{ Key: 'Name', Value: name }, BACKUP_TAG];

let artifact: Artifact;
/** Every error name a bundle threw in this file's scenarios, with the functions that threw it. */
const thrown = new Map<string, Set<FunctionName>>();

beforeAll(() => {
  artifact = synthesizeArtifact();
  // The synth with bundling is the slow part of this file; say how slow.
  process.stdout.write(`deployed-artifact: synth with bundling took ${Math.round(artifact.synthMs)} ms\n`);
}, 300_000);

afterAll(() => artifact?.close());

type Around = (fn: FunctionName, event: unknown, call: () => Promise<unknown>) => Promise<unknown>;

/** The bundles, each call passing through `around` (scenario set-up) and its error name recorded. */
function bundles(
  names: Map<string, Set<FunctionName>>,
  around?: Around,
  replaced: Partial<Record<FunctionName, LocalHandler>> = {},
): Record<FunctionName, LocalHandler> {
  return Object.fromEntries(
    FUNCTION_NAMES.map((fn) => [
      fn,
      (async (event, context) => {
        const call = () => (replaced[fn] ?? artifact.handlers[fn])(event, context);
        try {
          return await (around ? around(fn, event, call) : call());
        } catch (error) {
          const name = (error as Error).name;
          for (const sink of [thrown, names]) sink.set(name, (sink.get(name) ?? new Set()).add(fn));
          throw error;
        }
      }) satisfies LocalHandler,
    ]),
  ) as Record<FunctionName, LocalHandler>;
}

async function scenario(
  options: SandboxOptions,
  seed: (model: AwsModel) => void,
  input: object = {},
  around?: (model: AwsModel) => Around,
  replaced?: Partial<Record<FunctionName, LocalHandler>>,
) {
  let model: AwsModel | undefined;
  const wrap: Around | undefined = around && ((fn, event, call) => (model ? around(model)(fn, event, call) : call()));
  const names = new Map<string, Set<FunctionName>>();
  const sandbox = await startSandbox({ fleet: { kind: 'none' }, ...options, handlers: bundles(names, wrap, replaced) });
  try {
    model = sandbox.model;
    if (!model) throw new Error('expected the built-in emulator');
    seed(model);
    const name = `artifact-${Date.now()}`;
    const result = await sandbox.sfn.startExecution(sandbox.stateMachineArn, name, JSON.stringify(input)).done;
    const records = await sandbox.store.listResources(name);
    return { model, result, records, thrown: names };
  } finally {
    await sandbox.close();
  }
}

/** Names in the ASL's ErrorEquals that are the pipeline's own (not States.*, Lambda.*, Sandbox.*). */
function customNamesInAsl(): Set<string> {
  const names = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'ErrorEquals') for (const name of value as string[]) names.add(name);
        else visit(value);
      }
    }
  };
  visit(loadDefinition());
  return new Set([...names].filter((n) => !/^(States|Lambda|Sandbox)\./.test(n)));
}

describe('the synthesized artifact', () => {
  it('wires one bundled Lambda per ASL placeholder, each with its asset, Handler, Timeout and MemorySize', () => {
    for (const name of FUNCTION_NAMES) {
      const fn = artifact.functions[name];
      expect(fn).toMatchObject({ handler: 'index.handler', runtime: 'nodejs24.x' });
      expect(fn.file.startsWith(artifact.outdir)).toBe(true);
      expect(fn.timeoutSeconds).toBeGreaterThanOrEqual(60);
      expect(fn.memorySize).toBeGreaterThanOrEqual(256);
    }
    process.stdout.write(
      `deployed-artifact: bundle sizes ${FUNCTION_NAMES.map((n) => `${n} ${Math.round(artifact.functions[n].bundleBytes / 1024)} KiB`).join(', ')}\n`,
    );
  });

  it('fails loudly on a Handler that names no module of the asset, and on a missing asset', () => {
    const template = JSON.parse(readFileSync(artifact.templateFile, 'utf8'));
    const plan = template.Resources[artifact.functions['plan-run'].logicalId];
    plan.Properties.Handler = 'main.handler';
    expect(() => deployedFunctions(template, artifact.outdir)).toThrow(ArtifactError);
    expect(() => deployedFunctions(template, artifact.outdir)).toThrow(/main\.handler names a module/);
    plan.Properties.Handler = 'index.handler';
    plan.Metadata['aws:asset:path'] = 'asset.missing';
    expect(() => deployedFunctions(template, artifact.outdir)).toThrow(/asset .*asset\.missing is missing/);
  });
});

describe('HappyPath (bundles)', () => {
  it('backs up a mixed fleet (EC2 instance, volume, RDS, Aurora, DynamoDB) and copies it to the DR region with the deployed bundles', async () => {
    const out = await scenario(
      {},
      (m) => {
        m.addInstance(REGION, { Tags: tagged('web'), volumes: [{ Size: 20 }, { Size: 40 }] });
        m.addVolume(REGION, { Size: 50, Tags: tagged('data') });
        m.addDbInstance(REGION, { DBInstanceIdentifier: 'orders', TagList: tagged('orders') });
        m.addDbCluster(REGION, { DBClusterIdentifier: 'shop', members: 2, TagList: tagged('shop') });
        m.addDynamoTable(REGION, { TableName: 'sessions', Tags: tagged('sessions') });
        m.addKmsKey(DR_REGION, { alias: 'alias/backup-dr' });
      },
      // The copy branch too: Start copies and Check copies run as their bundles.
      { copyTo: [{ region: DR_REGION, kmsKeyId: 'alias/backup-dr' }] },
    );
    expect(out.result.status).toBe('SUCCEEDED');
    const copies = Object.fromEntries(out.records.map((r) => [r.type, r.copies?.map((c) => [c.region, c.status])]));
    expect(copies).toMatchObject({
      'ec2-instance': [[DR_REGION, 'COMPLETED']],
      'ebs-volume': [[DR_REGION, 'COMPLETED']],
      'rds-instance': [[DR_REGION, 'COMPLETED']],
      'aurora-cluster': [[DR_REGION, 'COMPLETED']],
      'dynamodb-table': [[DR_REGION, 'SKIPPED']],
    });
    expect(out.model.snapshots(DR_REGION)).toHaveLength(3);
    expect(out.records.map((r) => [r.type, r.status]).sort()).toEqual(
      [
        ['aurora-cluster', 'COMPLETED'],
        ['dynamodb-table', 'COMPLETED'],
        ['ebs-volume', 'COMPLETED'],
        ['ec2-instance', 'COMPLETED'],
        ['rds-instance', 'COMPLETED'],
      ].sort(),
    );
    // The bundles stamp records from the sandbox's virtual clock (their own copy of shared/clock.ts
    // reads the clock the sandbox installed): each backup spans at least one 60 s wait, not milliseconds.
    for (const record of out.records) {
      expect(Date.parse(record.finishedAt ?? '') - Date.parse(record.startedAt ?? '')).toBeGreaterThanOrEqual(60_000);
    }
    expect(out.model.snapshots(REGION)).toHaveLength(3);
  });
});

describe('RetryOnThrottle (bundles)', () => {
  it('retries ThrottledError from the bundles in the ASL and completes every resource', async () => {
    const out = await scenario({ faults: { throttleRate: 0.3 } }, (m) => {
      for (let i = 0; i < 3; i++) m.addInstance(REGION, { Tags: tagged(`i${i}`), volumes: [{ Size: 20 }] });
      m.addVolume(REGION, { Size: 50, Tags: tagged('data') });
      m.addDbInstance(REGION, { DBInstanceIdentifier: 'orders', TagList: tagged('orders') });
    });
    // Only ThrottledError was thrown, so every retry the runner counted is the ASL retrying it.
    expect([...out.thrown.keys()]).toEqual(['ThrottledError']);
    expect(out.result.stats.retries).toBeGreaterThan(0);
    expect(out.result.status).toBe('SUCCEEDED');
    expect(out.records.map((r) => r.status)).toEqual(Array(5).fill('COMPLETED'));
  });
});

describe('PendingSnapshotLimit (bundles)', () => {
  it('retries LimitExceededError from the bundles with the long back-off until the queue drains', async () => {
    const out = await scenario({ limits: { pendingSnapshotsPerRegion: 2 } }, (m) => {
      for (let i = 0; i < 4; i++) m.addVolume(REGION, { Size: 50, Tags: tagged(`v${i}`), snapshotSeconds: 600 });
    });
    expect(out.thrown.get('LimitExceededError')).toEqual(new Set(['start-backup']));
    expect(out.result.stats.retries).toBeGreaterThan(0);
    expect(out.result.status).toBe('SUCCEEDED');
    expect(out.records.map((r) => r.status)).toEqual(Array(4).fill('COMPLETED'));
  });
});

describe('InvalidInput (bundles)', () => {
  it('fails the execution at Plan with InvalidInputError thrown by the plan-run bundle', async () => {
    const out = await scenario({}, () => undefined, { tier: 'hourly', surprise: true });
    expect(out.result.status).toBe('FAILED');
    expect(out.result.error).toBe('InvalidInputError');
    expect(out.thrown.get('InvalidInputError')).toEqual(new Set(['plan-run']));
  });
});

describe('RecordedErrors (bundles)', () => {
  it('records QuotaExceededError, InvalidResourceStateError and ResourceNotFoundError by name', async () => {
    let gone = '';
    let filled = false;
    const out = await scenario(
      { limits: { manualDbSnapshotsPerRegion: 2 } },
      (m) => {
        m.addDbInstance(REGION, { DBInstanceIdentifier: 'orders', TagList: tagged('orders') });
        m.addDbInstance(REGION, { DBInstanceIdentifier: 'legacy', status: 'stopped', TagList: tagged('legacy') });
        gone = m.addVolume(REGION, { Size: 50, Tags: tagged('scratch') }).VolumeId;
      },
      {},
      // After Plan (which saw room for both databases), the region's manual-snapshot quota fills (another
      // tool's snapshots), so Start meets SnapshotQuotaExceeded; the volume is deleted between Plan and
      // Start backup, as an operator might.
      (m) => async (fn, event, call) => {
        if (fn === 'start-backup' && !filled) {
          filled = true;
          for (const id of ['manual-1', 'manual-2'])
            m.addExistingDbSnapshot(REGION, { DBSnapshotIdentifier: id, DBInstanceIdentifier: 'orders', startMs: 0 });
        }
        if (fn === 'start-backup' && JSON.stringify(event).includes(gone))
          m.services.ec2.region(REGION).volumes.delete(gone);
        return call();
      },
    );
    expect(out.result.status).toBe('FAILED');
    const errorOf = (id: string) => out.records.find((r) => r.resourceId === id)?.error?.error;
    expect(errorOf('orders')).toBe('QuotaExceededError');
    expect(errorOf('legacy')).toBe('InvalidResourceStateError');
    expect(errorOf(gone)).toBe('ResourceNotFoundError');
  });
});

describe('TimedOutInvocation (bundles)', () => {
  it('retries a Start backup that ran past its Timeout after its Create call (Sandbox.Timedout) and finds the backup', async () => {
    // Prepare: the start-backup bundle with a 1 s Timeout whose first invocation stalls after its work,
    // as a Lambda stuck on a slow network call after CreateSnapshot would.
    let invocations = 0;
    const stalling = invokeAsLambda(
      async (event, context) => {
        const result = await artifact.bundles['start-backup'](event, context);
        if (++invocations === 1) await new Promise((resolve) => setTimeout(resolve, 1500));
        return result;
      },
      { timeoutSeconds: 1, memorySize: artifact.functions['start-backup'].memorySize },
    );

    // Act
    const out = await scenario({}, (m) => m.addVolume(REGION, { Size: 50, Tags: tagged('data') }), {}, undefined, {
      'start-backup': stalling,
    });

    // Assess: Lambda's timeout error reached the ASL, which retried it; the retry found the snapshot.
    expect(out.thrown.get('Sandbox.Timedout')).toEqual(new Set(['start-backup']));
    expect(out.result.status).toBe('SUCCEEDED');
    expect(out.records).toEqual([expect.objectContaining({ status: 'COMPLETED', attempts: 2 })]);
    expect(out.model.snapshots(REGION)).toHaveLength(1);
  });
});

describe('RestoreDrill (bundles)', () => {
  it('backs a volume up, then restores it as a drill and deletes the restore, all with the deployed bundles', async () => {
    // Prepare
    const sandbox = await startSandbox({ fleet: { kind: 'none' }, handlers: bundles(new Map()) });
    try {
      const model = sandbox.model;
      if (!model) throw new Error('expected the built-in emulator');
      model.addVolume(REGION, { Size: 50, Tags: tagged('data') });
      const backup = await sandbox.sfn.startExecution(sandbox.stateMachineArn, 'artifact-backup', '{}').done;
      const [record] = await sandbox.store.listResources('artifact-backup');

      // Act
      const input = JSON.stringify({ resource: record?.arn, latest: true, drill: true });
      const drill = await sandbox.sfn.startExecution(sandbox.restoreStateMachineArn, 'artifact-drill', input).done;

      // Assess
      expect(backup.status).toBe('SUCCEEDED');
      expect(drill.status).toBe('SUCCEEDED');
      const left = model.describeVolumes(REGION, {
        Filters: [{ Name: 'tag:backup-pipeline:restore-id', Values: ['artifact-drill'] }],
      }).Volumes;
      expect(left).toEqual([]);
    } finally {
      await sandbox.close();
    }
  });
});

describe('the error contract of the bundles', () => {
  it('throws every name the ASL matches, and only the named errors of DESIGN §6', () => {
    // Runs after the scenarios above, which make the bundles throw each name.
    const names = new Set([...thrown.keys()].filter((n) => !n.startsWith('Sandbox.')));
    expect([...customNamesInAsl()].filter((n) => !names.has(n))).toEqual([]);
    // NameInUseError is the restore workflow's (a restore into a name in use), which no backup task throws.
    const restoreOnly = ['NameInUseError'];
    expect([...names].sort()).toEqual(ERROR_NAMES.filter((n) => !restoreOnly.includes(n)).sort());
  });
});
