import { portInUse, REPO_ROOT } from './ports';
import { portHolders, type ProcessRecord } from './processTree';
import { stackHolding } from './stackRecords';

const short = (p: ProcessRecord) => `pid ${p.pid} (${p.cmdline.length > 120 ? `${p.cmdline.slice(0, 120)}…` : p.cmdline})`;

/**
 * One line for each of the named ports that is taken on 127.0.0.1: who holds it (pid and command
 * line) and what to do about it, telling a running stack of this checkout from anything else.
 */
export async function takenPorts(ports: Record<string, number>): Promise<string[]> {
  const lines: string[] = [];
  for (const [name, port] of Object.entries(ports)) {
    if (!(await portInUse(port))) continue;
    const holders = portHolders(port);
    if (holders.length === 0) {
      lines.push(`port ${port} (${name}) on 127.0.0.1 is in use by a process this user cannot see; free it, or change the port in firebase.json (EMBEDDED_DB_PORT for the embedded database).`);
      continue;
    }
    for (const holder of holders) {
      const stack = stackHolding(holder.pid);
      if (stack) {
        lines.push(`port ${port} (${name}) is held by ${short(holder)}, part of the running stack of ${stack.command}, started ${stack.startedAt}: stop that one first (Ctrl-C in its terminal, or kill ${stack.owner.pid}).`);
      } else if (holder.cmdline.includes(REPO_ROOT)) {
        lines.push(`port ${port} (${name}) is held by ${short(holder)}, a leftover of a stack of this checkout that no record names (started before stacks were recorded?): stop it with kill ${holder.pid}.`);
      } else {
        lines.push(`port ${port} (${name}) is held by ${short(holder)}, which is not part of this checkout's stack: stop it, or change the port in firebase.json (EMBEDDED_DB_PORT for the embedded database).`);
      }
    }
  }
  return lines;
}
