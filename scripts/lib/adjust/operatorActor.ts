import os from 'node:os';

/** Who ran the CLI, as each adjustment records it: `cli:<os user>`. */
export function operatorActor(): string {
  let name: string | undefined;
  try {
    name = os.userInfo().username;
  } catch {
    // A container user without a passwd entry: os.userInfo() throws, $USER may still say who.
  }
  // streak_adjustments.actor holds at most 200 characters.
  return `cli:${name || process.env.USER || 'unknown'}`.slice(0, 200);
}
