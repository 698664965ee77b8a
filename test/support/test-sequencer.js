// Jest's own order (failed first, then longest first) needs timings from an earlier run on this
// machine; a clean clone (CI) has none and falls back to file size, which can leave the fault
// suite or the market day for last while the other worker idles. Without a timing of its own, a
// suite is ranked by its duration in the last full run (suite-durations.json, refreshed by hand
// with `npm test -- --json --outputFile=...`; see README).
'use strict';
const path = require('node:path');
const Sequencer = require('@jest/test-sequencer').default;
const recorded = require('./suite-durations.json');

const ROOT = path.resolve(__dirname, '../..');

class RecordedDurationsSequencer extends Sequencer {
  time(test) {
    return super.time(test) ?? recorded[path.relative(ROOT, test.path)];
  }
}

module.exports = RecordedDurationsSequencer;
