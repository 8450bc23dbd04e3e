/**
 * The layout's rules that no compiler checks (DESIGN §2, issues #10 and #20): a handler and the domain
 * module it calls never share a file name, nor a workflow module and a state module; shared/workflow/ is
 * grouped by workflow; and the run report stands on its own beside the CLI's commands.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

function filesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.ts'))
    .map((path) => join(ROOT, dir, path));
}

describe('the source layout', () => {
  it('repeats no file name between functions/ and shared/', () => {
    // Prepare
    const handlers = new Set(filesUnder('functions').map((path) => basename(path)));

    // Act
    const repeated = filesUnder('shared').filter((path) => handlers.has(basename(path)));

    // Assess
    expect(repeated.map((path) => relative(ROOT, path))).toEqual([]);
  });

  it('repeats no file name between shared/workflow/ and shared/state/', () => {
    // Prepare
    const state = new Set(filesUnder('shared/state').map((path) => basename(path)));

    // Act
    const repeated = filesUnder('shared/workflow').filter((path) => state.has(basename(path)));

    // Assess
    expect(repeated.map((path) => relative(ROOT, path))).toEqual([]);
  });

  it('groups shared/workflow/ by workflow, with no module left loose at its top', () => {
    // Act
    const loose = readdirSync(join(ROOT, 'shared/workflow')).filter((name) => name.endsWith('.ts'));

    // Assess
    expect(loose).toEqual([]);
  });

  it('has workflow code take narrow ports of the state store (Pick<StateStore, ...>), not the whole class', () => {
    // Act
    const whole = filesUnder('shared/workflow').flatMap((path) =>
      readFileSync(path, 'utf8')
        .split('\n')
        .flatMap((line, i) =>
          /:\s*StateStore\b/.test(line) ? [`${relative(ROOT, path)}:${i + 1}: ${line.trim()}`] : [],
        ),
    );

    // Assess
    expect(whole).toEqual([]);
  });

  it('keeps the demo estate and the bench fixtures in local/estates/, apart from the sandbox runtime', () => {
    // Act
    const loose = readdirSync(join(ROOT, 'local')).filter((name) =>
      /(fleet|estate|fixture|validator).*\.ts$/.test(name),
    );

    // Assess
    expect(loose).toEqual([]);
    expect(readdirSync(join(ROOT, 'local/estates')).sort()).toEqual(
      ['drill-validator.ts', 'fleet.ts', 'game-day.ts', 'retention.ts', 'seeds.ts'].sort(),
    );
  });

  it('has no source file over 600 lines (a file that long holds two jobs)', () => {
    // Act
    const long = ['shared', 'functions', 'local', 'cli', 'infra', 'bench']
      .flatMap((dir) => filesUnder(dir))
      .map((path) => ({ path: relative(ROOT, path), lines: readFileSync(path, 'utf8').split('\n').length - 1 }))
      .filter((file) => file.lines > 600);

    // Assess
    expect(long).toEqual([]);
  });

  it('keeps cli/report/ free of imports from cli/commands/', () => {
    const offending = filesUnder('cli/report').filter((path) =>
      /from\s+'[./]*commands\//.test(readFileSync(path, 'utf8')),
    );

    expect(offending.map((path) => relative(ROOT, path))).toEqual([]);
  });
});
