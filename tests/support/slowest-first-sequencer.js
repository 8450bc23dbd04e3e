/**
 * Jest's own order, with one change for a clean clone: the slow layers first. Jest runs the files it
 * has timings for longest first, and the others by file size, largest first; a clean clone (CI) has no
 * timings, and a short file that spawns processes or runs the workflow for minutes then starts last,
 * alone on one worker while the other idles (PlanAtScale did, for 589 s of a 1,335 s run). Without
 * timings, the workflow and e2e files (the real ASL, child processes, sockets) go first, then infra
 * (CDK synths), then unit, each by size as before. With timings, jest's order stands.
 */
const Sequencer = require('@jest/test-sequencer').default;

const LAYER_ORDER = ['workflow', 'e2e', 'infra', 'unit'];
const layerOf = (path) => {
  const match = /[\\/]tests[\\/](\w+)[\\/]/.exec(path);
  const index = LAYER_ORDER.indexOf(match?.[1] ?? '');
  return index < 0 ? LAYER_ORDER.length : index;
};

class SlowestFirstSequencer extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    if (sorted.every((test) => test.duration != null)) return sorted;
    // Array.prototype.sort is stable: within a layer, jest's order (timings, else size) stays.
    return [...sorted].sort((a, b) => layerOf(a.path) - layerOf(b.path));
  }
}

module.exports = SlowestFirstSequencer;
