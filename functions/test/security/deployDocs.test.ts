import { readFileSync } from 'node:fs';
import path from 'node:path';
import { params } from '../../src/config';

// What the deploy steps must say, because no code can enforce it: who may publish to streak-updated
// (anyone who can writes any streaks/{uid}), and how App Check, on by default, is turned off on purpose.
// The database grants are proved by databaseGrants.test.ts, which runs the block of docs/operations.md.

const OPERATIONS = readFileSync(path.resolve(__dirname, '../../../docs/operations.md'), 'utf8');
const deploying = OPERATIONS.slice(OPERATIONS.indexOf('## Deploying'), OPERATIONS.indexOf('\n## ', OPERATIONS.indexOf('## Deploying') + 1));

describe('the deploy steps (docs/operations.md)', () => {
  it('bind the publisher role on streak-updated to the functions\' service account, show how to check it is the only one, and name the project-level roles that also publish', () => {
    expect(deploying).toMatch(/gcloud pubsub topics add-iam-policy-binding streak-updated --project=\$PROJECT \\\n\s+--member=\$FUNCTIONS_SA --role=roles\/pubsub\.publisher/);
    expect(deploying).toMatch(/gcloud pubsub topics get-iam-policy streak-updated/);
    expect(deploying).toMatch(/FUNCTIONS_SA=serviceAccount:/);
    for (const role of ['roles/pubsub.publisher', 'roles/pubsub.editor', 'roles/pubsub.admin', 'roles/editor', 'roles/owner']) expect(deploying).toContain(`\`${role}\``);
  });

  it('say App Check is on by default (as the param declares) and how to turn it off deliberately', () => {
    expect(params.enforceAppCheck.options.default).toBe(true);
    expect(deploying).toMatch(/App Check is on by default/);
    expect(deploying).toMatch(/ENFORCE_APP_CHECK=false` in `functions\/\.env\.<project>`/);
  });
});
