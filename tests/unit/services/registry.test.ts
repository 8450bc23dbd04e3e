/**
 * The service registry (shared/services/catalog.ts and index.ts): every resource type a service
 * declares is whole (a driver, an ARN pattern, a label), and nothing outside shared/services names one.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { z } from 'zod';
import { registerAwsServices } from '../../../local/emulator';
import type { EmulatorServer } from '../../../local/emulator/server';
import { AwsModel } from '../../../local/model';
import { toPipelineError } from '../../../shared/errors';
import { parseResourceArn } from '../../../shared/resource';
import { backupStores, DRIVERS, RESTORE_DRIVERS, restoreDriverFor } from '../../../shared/services';
import {
  BACKUP_KINDS,
  PLACEMENT_FIELDS,
  RESOURCE_TYPES,
  SERVICES,
  type ServiceCatalog,
  type ServiceErrorCodes,
  STORAGE_PRICES,
  TYPE_ENTRIES,
} from '../../../shared/services/catalog';
import { DEFAULT_MODES, MODES_BY_TYPE } from '../../../shared/services/modes';

const ROOT = join(__dirname, '..', '..', '..');
const newModel = () =>
  new AwsModel({ clock: { now: () => new Date('2026-11-02T02:00:00.000Z') }, tokenBuckets: false });

describe('the service catalog and driver registry', () => {
  it.each(TYPE_ENTRIES.map((e) => [e.type, e] as const))(
    'registers %s whole: a driver of that type, an ARN pattern with an id group after its prefix, a label',
    (type, entry) => {
      // Prepare / Act
      const driver = DRIVERS[type];
      const escapedPrefix = entry.arn.prefix.replace(/[/.*+?^${}()|[\]\\]/g, '\\$&');

      // Assess
      expect(driver?.type).toBe(type);
      expect(entry.arn.service).toMatch(/^[a-z0-9-]+$/);
      expect(new RegExp(`${entry.arn.resource.source}|`).exec('')?.length).toBeGreaterThanOrEqual(2);
      // arnOf writes what the pattern reads: the prefix, then the id group.
      expect(entry.arn.prefix).not.toBe('');
      expect(entry.arn.resource.source.startsWith(`^${escapedPrefix}(`)).toBe(true);
      expect(entry.label.trim()).not.toBe('');
    },
  );

  it('has a catalog entry for every registered driver, each type once', () => {
    // Prepare / Act
    const registered = Object.keys(DRIVERS).sort();

    // Assess
    expect(new Set(RESOURCE_TYPES).size).toBe(RESOURCE_TYPES.length);
    expect(registered).toEqual([...RESOURCE_TYPES].sort());
  });

  it("declares every backup store's kind in its service's catalog, each kind once", () => {
    // Prepare / Act
    const kinds = backupStores().map((store) => store.kind);

    // Assess
    expect(new Set(BACKUP_KINDS).size).toBe(BACKUP_KINDS.length);
    expect([...kinds].sort()).toEqual([...BACKUP_KINDS].sort());
  });

  it('gives every type with modes a default among its modes, and prices only registered types', () => {
    // Prepare / Act
    const moded = Object.entries(MODES_BY_TYPE);

    // Assess
    for (const [type, modes] of moded) expect(modes).toContain(DEFAULT_MODES[type as keyof typeof DEFAULT_MODES]);
    for (const type of Object.keys(STORAGE_PRICES)) expect(RESOURCE_TYPES).toContain(type);
  });

  it("isolates each type by its own service's placement fields, and declares a field two services read alike", () => {
    // Prepare
    const declared = SERVICES.map((s) => (s as ServiceCatalog).placement ?? {});

    // Act
    const strays = SERVICES.flatMap((s, i) =>
      s.types.flatMap((e: { type: string; isolatedBy?: readonly string[] }) =>
        (e.isolatedBy ?? []).filter((f) => !(f in (declared[i] ?? {}))).map((f) => `${e.type}: ${f}`),
      ),
    );
    const unlike = declared.flatMap((fields) =>
      Object.entries(fields).flatMap(([name, schema]) => {
        const first = PLACEMENT_FIELDS[name as keyof typeof PLACEMENT_FIELDS];
        return JSON.stringify(z.toJSONSchema(schema)) === JSON.stringify(z.toJSONSchema(first)) ? [] : [name];
      }),
    );

    // Assess
    expect(strays).toEqual([]);
    expect(unlike).toEqual([]);
    expect(Object.keys(PLACEMENT_FIELDS)).toEqual(expect.arrayContaining(['subnetId', 'dbSubnetGroupName']));
  });

  it('maps each AWS error code to one named error only', () => {
    // Prepare
    const classes: (keyof ServiceErrorCodes)[] = ['throttling', 'limits', 'quotas', 'notFound', 'invalidState'];
    const seen = new Map<string, string>();

    // Act
    const clashes = SERVICES.flatMap((service) =>
      classes.flatMap((cls) =>
        ((service.errorCodes as ServiceErrorCodes)[cls] ?? []).flatMap((code) => {
          const before = seen.get(code);
          seen.set(code, cls);
          return before !== undefined && before !== cls ? [`${code}: ${before} and ${cls}`] : [];
        }),
      ),
    );

    // Assess
    expect(clashes).toEqual([]);
    expect(toPipelineError(Object.assign(new Error('x'), { name: 'DBInstanceNotFound' }), 'c').name).toBe(
      'ResourceNotFoundError',
    );
  });

  it('names every supported type, in catalog order, when an ARN is of no supported type', () => {
    // Prepare / Act
    const result = parseResourceArn('arn:aws:lambda:eu-west-1:111122223333:function:x');

    // Assess: the message reads exactly as it always has.
    expect(!result.ok && result.reason).toBe(
      'unsupported resource type "lambda:function" in arn:aws:lambda:eu-west-1:111122223333:function:x (partition aws); supported: EC2 instances, EBS volumes, RDS DB instances, Aurora DB clusters, DocumentDB clusters, Neptune clusters, DynamoDB tables, Redshift clusters, ElastiCache replication groups, S3 buckets',
    );
  });
});

/** Every .ts file below `dir` (relative to the project root), except those below `except`. */
function sources(dir: string, except?: string): string[] {
  const out: string[] = [];
  const walk = (path: string) => {
    for (const name of readdirSync(path)) {
      const full = join(path, name);
      if (except !== undefined && relative(ROOT, full) === except) continue;
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.ts')) out.push(full);
    }
  };
  walk(join(ROOT, dir));
  return out;
}

describe('the restore driver registry', () => {
  it('finds a driver by type and by the mode the backup was made in, the default mode when none is named', () => {
    // Prepare
    const [first] = RESTORE_DRIVERS;

    // Act / Assess
    expect(first).toBeDefined();
    for (const driver of RESTORE_DRIVERS) {
      const modes = driver.modes ?? [undefined];
      for (const mode of modes) expect(restoreDriverFor(driver.type, mode)).toBe(driver);
      if (driver.modes?.includes(DEFAULT_MODES[driver.type as keyof typeof DEFAULT_MODES]))
        expect(restoreDriverFor(driver.type)).toBe(driver);
    }
  });

  it.each(
    TYPE_ENTRIES.flatMap((e) => (e.modes ?? [undefined]).map((mode) => [e.type, mode ?? '(its only way)'] as const)),
  )('has a restore driver for every type and backup mode the catalog declares: %s %s', (type, mode) => {
    // Prepare / Act
    const driver = restoreDriverFor(type, mode === '(its only way)' ? undefined : mode);

    // Assess
    expect(driver?.type).toBe(type);
  });

  it('has one restore driver per type and mode, never two', () => {
    const keys = RESTORE_DRIVERS.flatMap((d) => (d.modes ?? ['']).map((m) => `${d.type}/${m}`));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('finds none for a mode no driver restores, and never one of another type', () => {
    expect(restoreDriverFor('ebs-volume', 'ami')).toBeUndefined();
    expect(restoreDriverFor('ebs-volume')?.type).toBe('ebs-volume');
  });
});

/**
 * The service homes outside shared/services: each AWS service the sandbox serves (the names
 * local/emulator/index.ts registers: the catalog's, and KMS, S3, SNS and the others the pipeline
 * calls) has its model modules (local/model/<svc>.ts and local/model/<svc>-*.ts) and its emulator
 * module (local/emulator/<svc>.ts).
 */
const served: string[] = [];
function isServiceHome(file: string): boolean {
  if (served.length === 0)
    registerAwsServices({ register: (name: string) => served.push(name) } as unknown as EmulatorServer, newModel());
  const path = relative(ROOT, file).split('\\').join('/');
  return served.some(
    (service) =>
      path === `local/emulator/${service}.ts` ||
      path === `local/model/${service}.ts` ||
      path.startsWith(`local/model/${service}-`),
  );
}

/**
 * The names that count as naming a service or a type: every resource type and backup kind, and every
 * catalog service's name (with the shorter stems code knows it by, `identifierStems`), as a whole quoted
 * literal; and each service name or stem as the start of a camelCase identifier (`ec2Client`,
 * `model.rds`, `dynamoTables`). The SDK's own class names (`EC2Client`) and comments do not count: they
 * name no service of ours.
 */
function namingLines(file: string): string[] {
  // A service the stack also uses for itself (S3: its own bucket, the Map's item lists) is named by that
  // use everywhere; its types and backup kinds still count.
  const stems = SERVICES.flatMap((s): readonly string[] =>
    (s as ServiceCatalog).usedByTheStack ? [] : [s.service, ...((s as ServiceCatalog).identifierStems ?? [])],
  );
  const literal = new RegExp(`(['"\`])(${[...RESOURCE_TYPES, ...BACKUP_KINDS, ...stems].join('|')})\\1`);
  const identifier = new RegExp(`(?<![A-Za-z0-9_$'"\`-])(${stems.join('|')})(?![a-z0-9])`);
  // Imports name the modules a line below uses: the use is what counts (a registry's one line per service).
  const text = readFileSync(file, 'utf8').replace(/^import[^;]*;$/gms, (statement) => statement.replace(/[^\n]/g, ''));
  return text.split('\n').flatMap((line, i) => {
    const code = line.replace(/(^|\s)\/\/.*$/, '').trim();
    if (code.startsWith('*') || code.startsWith('/*')) return [];
    return literal.test(code) || identifier.test(code) ? [`${relative(ROOT, file)}:${i + 1}: ${line.trim()}`] : [];
  });
}

describe('code outside the service homes', () => {
  it('names no resource type and no backup kind: the services own them', () => {
    // Prepare
    const names = [...RESOURCE_TYPES, ...BACKUP_KINDS];
    const literal = new RegExp(`(['"\`])(${names.join('|')})\\1`);
    const files = [...sources('shared', join('shared', 'services')), ...sources('functions')];

    // Act
    const found = files.flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, i) => (literal.test(line) ? [`${relative(ROOT, file)}:${i + 1}: ${line.trim()}`] : [])),
    );

    // Assess
    expect(files.length).toBeGreaterThan(10);
    expect(found).toEqual([]);
  });

  it('in the sandbox, CLI, infrastructure, bench and test support names no service, type or backup kind', () => {
    // Prepare
    const files = ['local', 'cli', 'infra', 'bench', join('tests', 'support')]
      .flatMap((dir) => sources(dir))
      .filter((file) => !isServiceHome(file));

    // Act: a registry may name each service on one line (its registration); any other file on none.
    const found = files.flatMap((file) => {
      const lines = namingLines(file);
      if (!REGISTRIES.includes(relative(ROOT, file).split('\\').join('/'))) return lines;
      const stems = SERVICES.filter((s) => !(s as ServiceCatalog).usedByTheStack).map((s) => [
        s.service,
        ...((s as ServiceCatalog).identifierStems ?? []),
      ]);
      return stems.flatMap((names) => {
        const naming = lines.filter((line) =>
          names.some((name) => new RegExp(`\\b${name}`).test(line.replace(/^[^ ]+ /, ''))),
        );
        return naming.length > 1 ? naming : [];
      });
    });
    const byFile = new Map<string, number>();
    for (const line of new Set(found)) {
      const file = line.slice(0, line.indexOf(':'));
      byFile.set(file, (byFile.get(file) ?? 0) + 1);
    }

    // Assess: the allowance only shrinks; a file it names must still need exactly that many lines.
    expect(files.length).toBeGreaterThan(40);
    expect(Object.fromEntries(byFile)).toEqual(NOT_YET_MOVED);
  });
});

/** The registries: one line per service each (docs/architecture.md, "Services: one home each"). */
const REGISTRIES = ['local/model/index.ts', 'local/emulator/index.ts', 'tests/support/model-sdk-mocks.ts'];

/**
 * Lines per file that still name a service, a type or a backup kind outside its homes (issue #20 item 1):
 * knowledge not yet moved into the services. It only shrinks: move the knowledge, lower the count.
 */
const NOT_YET_MOVED: Record<string, number> = {
  // The pipeline's own state table is a DynamoDB table (its SigV4 name, its not-found answer): no service
  // owns it; the sandbox names it only here.
  'local/state-table.ts': 2,
};
