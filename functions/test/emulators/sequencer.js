// One fixed order for the emulator suite, which shares one Firestore and one set of emulated
// functions: specs that read whole collections they seeded (verify, the backfills) run first, while
// nothing else writes there; specs whose projections keep landing after they end (the loop, friends,
// account data) follow; reproject, which re-queues every user of the functions' database, runs last.
const Sequencer = require('@jest/test-sequencer').default;
const path = require('node:path');

const FIRST = ['rules', 'firestoreStreakStore', 'pubSubPublisher', 'verifyFirestore', 'backfillFirestore', 'backfillFriendshipsFirestore', 'backfillExport', 'backfillJobs'];
const LAST = ['reproject'];

const rank = (test) => {
  const name = path.basename(test.path).replace(/\.test\.ts$/, '');
  if (FIRST.includes(name)) return FIRST.indexOf(name);
  if (LAST.includes(name)) return 1000 + LAST.indexOf(name);
  return 100;
};

class EmulatorSuiteSequencer extends Sequencer {
  sort(tests) {
    return [...tests].sort((a, b) => rank(a) - rank(b) || a.path.localeCompare(b.path));
  }
}

module.exports = EmulatorSuiteSequencer;
