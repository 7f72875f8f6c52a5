import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

// The Firestore emulator (jar 1.19.9) may answer a client listen opened while a commit is in flight
// with "no document" as of a time after the write; the web SDK then ignores that document for good.
// So no client-SDK read may be polled: inside a polling helper or a loop, a client read of a document
// that is about to be created is a flaky test. Wait through the Admin SDK (adminDocument), then read
// once, or open a listener (watchStreakDocument) before the write.

const ROOT = path.resolve(__dirname, '../../..');
const CLIENT_READS = /\b(readStreakDocument|getDoc|getDocFromServer|getDocs)\s*\(/;
const POLLERS = /\b(eventually|eventuallyWithRelay)\s*\(|\bwhile\s*\(|\bfor\s*\(/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The text of the call or loop starting at `from`: its parentheses and, for a loop, its braced body. */
function extent(source: string, from: number): string {
  let depth = 0;
  let i = source.indexOf('(', from);
  for (; i < source.length; i++) {
    if (source[i] === '(') depth++;
    else if (source[i] === ')' && --depth === 0) break;
  }
  const head = source.slice(from, i + 1);
  if (!/^(while|for)\b/.test(source.slice(from))) return head;
  const open = source.indexOf('{', i);
  if (open < 0 || source.slice(i + 1, open).trim() !== '') return head;
  depth = 0;
  let j = open;
  for (; j < source.length; j++) {
    if (source[j] === '{') depth++;
    else if (source[j] === '}' && --depth === 0) break;
  }
  return source.slice(from, j + 1);
}

/** Polling helpers and loops whose text reads a document with the client SDK. */
export function pollingClientReads(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  const found: string[] = [];
  for (const match of code.matchAll(POLLERS)) {
    const text = extent(code, match.index);
    if (CLIENT_READS.test(text)) found.push(text.split('\n')[0]!.trim());
  }
  return found;
}

describe('client-SDK reads of Firestore documents', () => {
  it('finds a polled client read where there is one', () => {
    expect(pollingClientReads('await eventually(() => app.readStreakDocument(uid), (d) => d?.version === 1);')).toHaveLength(1);
    expect(pollingClientReads('while (Date.now() < deadline) { const d = await getDoc(ref); if (d.exists()) break; }')).toHaveLength(1);
    expect(pollingClientReads('await eventually(() => adminDocument(`streaks/${uid}`), (d) => d?.version === 1);\nawait app.readStreakDocument(uid);')).toEqual([]);
  });

  it('are never polled in the emulator suite, the scripts or the benchmarks', () => {
    const offenders = [...sourceFiles(path.join(ROOT, 'functions/test')), ...sourceFiles(path.join(ROOT, 'scripts'))]
      .filter((file) => file !== __filename)
      .flatMap((file) => pollingClientReads(readFileSync(file, 'utf8')).map((text) => `${path.relative(ROOT, file)}: ${text}`));
    expect(offenders).toEqual([]);
  });
});
