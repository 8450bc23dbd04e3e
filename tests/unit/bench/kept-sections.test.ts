/**
 * bench/kept-sections.ts: `npm run bench` rewrites docs/benchmarks.md and keeps the sections it does
 * not measure (the test suite's time) as they are.
 */
import { keptSections, sectionOf } from '../../../bench/kept-sections';

const DOC = [
  '# Benchmarks',
  '',
  '## Figures',
  '',
  '| a |',
  '',
  '## Test suite time',
  '',
  'before 650 s, after 250 s',
  '',
  '## Region-loss game day',
  '',
  'passed',
  '',
].join('\n');

describe('kept sections of docs/benchmarks.md', () => {
  it('reads a section up to the next heading, and one at the end of the file', () => {
    expect(sectionOf(DOC, '## Test suite time')).toBe('## Test suite time\n\nbefore 650 s, after 250 s\n');
    expect(sectionOf(DOC, '## Region-loss game day')).toBe('## Region-loss game day\n\npassed\n');
  });

  it('keeps the test suite section, and nothing when the file has none', () => {
    expect(keptSections(DOC)).toEqual(['## Test suite time\n\nbefore 650 s, after 250 s\n']);
    expect(keptSections('# Benchmarks\n\n## Figures\n')).toEqual([]);
  });
});
