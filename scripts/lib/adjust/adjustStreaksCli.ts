import type { CliSpec } from '../cli/flags';
import { DAY_START_MINUTES, FREEZE_COUNT } from './adjustmentFields';

const GRANT = ['grant-freezes'] as const;
const REPAIR = ['repair'] as const;
const DAY_START = ['day-start'] as const;

/** The command line of `npm run adjust-streaks`: each command lists only its own flags. */
export const adjustStreaksCli: CliSpec = {
  name: 'adjust-streaks',
  description:
    "Record a streak adjustment and rebuild the user's streak from the sessions and adjustments (queueing its Firestore projection). A grant or repair is recorded once: the same command again is a duplicate. A day-start change is recorded on every run, unless its minutes already apply from that date (already_set). Who ran it (cli:<os user>), when and --reason are kept with it.",
  commands: {
    label: 'what to do',
    choices: {
      'grant-freezes': 'give a user --count freezes, held from --effective on (a missed date of a live run takes one)',
      repair: 'count --date as qualified for --user, or every uid,date line of --from-file (amnesty for dates an outage or a cut-over step kept from being recorded)',
      'day-start': "make --user's dates begin --minutes after local midnight, from their date --effective on (an earlier date recomputes the streak from there; 0 is midnight again)",
      revoke: 'cancel the grant, repair or day-start change --id; the streak is rebuilt without it',
    },
  },
  flags: [
    { flag: '--user', value: '<uid>', description: 'the Firebase Auth uid of the user', only: [...GRANT, ...REPAIR, ...DAY_START] },
    { flag: '--count', value: '<n>', int: FREEZE_COUNT, description: 'how many freezes', only: GRANT },
    { flag: '--minutes', value: '<m>', int: DAY_START_MINUTES, description: 'minutes after local midnight each date begins, a multiple of 15', only: DAY_START },
    {
      flag: '--effective',
      value: '<YYYY-MM-DD>',
      description: "grant-freezes: the user's local date the freezes are held from; day-start: the user's first local date that begins at --minutes",
      only: [...GRANT, ...DAY_START],
    },
    { flag: '--date', value: '<YYYY-MM-DD>', description: "the user's local date to count as qualified", only: REPAIR },
    { flag: '--from-file', value: '<file>', description: 'uid,YYYY-MM-DD lines (blank lines and # comments allowed); any bad line refuses the whole file', only: REPAIR },
    {
      flag: '--id',
      value: '<id>',
      description:
        'grant-freezes, repair: the id of the new adjustment (default: derived from what it says, so to give again what was revoked, give a new id); day-start: the id of the change (default: a new one each run); revoke: the adjustment to revoke (required)',
    },
    { flag: '--reason', value: '<text>', description: 'why, kept with the adjustment (required; 1-500 characters)' },
    { flag: '--dry-run', description: 'apply in a transaction that is rolled back: shows each streak before and after, keeps nothing' },
    { flag: '--json', description: 'print every outcome as one JSON object' },
  ],
};

/** The flag values parseCommandLine hands over for adjustStreaksCli. */
export interface AdjustStreaksFlags {
  user?: string;
  count?: number;
  minutes?: number;
  effective?: string;
  date?: string;
  fromFile?: string;
  id?: string;
  reason?: string;
  dryRun?: boolean;
  json?: boolean;
}
