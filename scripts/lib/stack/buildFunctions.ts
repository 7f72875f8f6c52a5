import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './ports';

/**
 * Compiles functions/ to lib/ (or `outDir`), as the Functions emulator and `firebase deploy` load it.
 * Throws with the compiler's output when the build fails.
 */
export function buildFunctions(outDir?: string): void {
  const args = [require.resolve('typescript/bin/tsc'), '-p', path.join(REPO_ROOT, 'functions/tsconfig.json'), ...(outDir ? ['--outDir', outDir] : [])];
  const build = spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`the functions build failed:\n${build.stdout}${build.stderr}`);
}
