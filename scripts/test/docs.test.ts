import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { headingAnchors, headingSlug, relativeLinks, sectionHeadings } from './support/markdown';

// README and docs/ are the front door: a moved section must not leave a link or an anchor pointing at
// nothing, and every deploy-time param the functions read must be explained somewhere a reader looks.
const ROOT = path.resolve(__dirname, '../..');

function markdownFiles(): string[] {
  const docs = path.join(ROOT, 'docs');
  const inDocs = existsSync(docs) ? readdirSync(docs, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.md')).map((f) => path.join('docs', f)) : [];
  return ['README.md', 'sql/README.md', ...inDocs];
}

const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

describe('README and docs/', () => {
  const files = markdownFiles();

  it('has a docs/ folder of its own pages', () => {
    expect(files.filter((f) => f.startsWith('docs'))).not.toHaveLength(0);
  });

  it.each(files)('%s: every relative link and anchor resolves', (file) => {
    const broken: string[] = [];
    for (const { line, target } of relativeLinks(read(file))) {
      const [pathPart, anchor] = target.split('#') as [string, string | undefined];
      const resolved = pathPart === '' ? file : path.normalize(path.join(path.dirname(file), decodeURIComponent(pathPart)));
      const absolute = path.join(ROOT, resolved);
      if (!existsSync(absolute)) {
        broken.push(`${file}:${line} → ${target} (no ${resolved})`);
        continue;
      }
      if (anchor === undefined || anchor === '') continue;
      if (statSync(absolute).isDirectory() || !resolved.endsWith('.md')) {
        broken.push(`${file}:${line} → ${target} (an anchor into a file that is not Markdown)`);
        continue;
      }
      if (!headingAnchors(read(resolved)).has(decodeURIComponent(anchor))) broken.push(`${file}:${line} → ${target} (no heading #${anchor} in ${resolved})`);
    }
    expect(broken).toEqual([]);
  });

  it("README's table of contents lists every section, each link resolving", () => {
    const readme = read('README.md');
    const start = readme.indexOf('## Contents');
    expect(start).toBeGreaterThan(-1);
    const toc = readme.slice(start, readme.indexOf('\n## ', start + 1));
    const listed = [...toc.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]);
    const unlisted = sectionHeadings(readme).filter((h) => h !== 'Contents' && !listed.includes(headingSlug(h)));
    expect(unlisted).toEqual([]);
  });

  it('explains every param the functions read', () => {
    const config = read('functions/src/config.ts');
    const params = [...config.matchAll(/define(?:String|Int|Boolean)\('([A-Z0-9_]+)'/g)].map((m) => m[1]!);
    expect(params.length).toBeGreaterThan(10);
    const text = files.map(read).join('\n');
    expect(params.filter((p) => !text.includes(`\`${p}\``))).toEqual([]);
  });

  it('finds a broken anchor and a broken path (the check itself)', () => {
    const anchors = headingAnchors('# Top\n## A `code` heading, with: punctuation\n## Repeat\n## Repeat\n```\n## not a heading\n```\n');
    expect([...anchors]).toEqual(['top', 'a-code-heading-with-punctuation', 'repeat', 'repeat-1']);
    expect(relativeLinks('see [a](docs/x.md#y), ![i](p.png), [web](https://e.com), `[c](no.md)`\n```\n[f](fenced.md)\n```')).toEqual([
      { line: 1, target: 'docs/x.md#y' },
      { line: 1, target: 'p.png' },
    ]);
  });
});
