import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crc32c, maskCrc, unmaskCrc } from '../lib/backfill/export/crc32c';
import { BLOCK_SIZE, FRAGMENT, HEADER_SIZE, readLogRecords, type LogEntry } from '../lib/backfill/export/logReader';
import { fragment, logFile, LogWriter } from '../lib/bench/logWriter';

// The LevelDB log reader of --from-export against files the benchmark's writer builds, intact and damaged.

const dir = mkdtempSync(path.join(tmpdir(), 'export-log-'));
let n = 0;
function file(bytes: Buffer): string {
  const f = path.join(dir, `log-${++n}`);
  writeFileSync(f, bytes);
  return f;
}
async function read(f: string, options: { from?: number; chunkBlocks?: number } = {}): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  for await (const e of readLogRecords(f, options)) out.push(e);
  return out;
}
function record(size: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}
// Compared as base64 text: jest compares a Buffer byte by byte, slowly.
const b64 = (records: ReadonlyArray<Buffer | undefined>) => records.map((r) => r?.toString('base64'));
const datas = (entries: LogEntry[]) => b64(entries.filter((e) => e.kind === 'record').map((e) => (e as { data: Buffer }).data));
const corrupts = (entries: LogEntry[]) => entries.filter((e) => e.kind === 'corrupt') as Array<Extract<LogEntry, { kind: 'corrupt' }>>;
/** Fragment types as they lie in the file, block by block. */
function fragmentTypes(bytes: Buffer): number[] {
  const types: number[] = [];
  for (let block = 0; block < bytes.length; block += BLOCK_SIZE) {
    let pos = block;
    const end = Math.min(block + BLOCK_SIZE, bytes.length);
    while (end - pos >= HEADER_SIZE) {
      const size = bytes.readUInt16LE(pos + 4);
      if (bytes[pos + 6] === 0 && size === 0) break;
      types.push(bytes[pos + 6] as number);
      pos += HEADER_SIZE + size;
    }
  }
  return types;
}

describe('CRC32C', () => {
  it('matches the known vectors (RFC 3720 B.4, and "123456789")', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(32))).toBe(0x8a9136aa);
    expect(crc32c(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43);
    expect(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => i)))).toBe(0x46dd794e);
    expect(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i)))).toBe(0x113fdb5c);
  });

  it('continues over pieces, and the LevelDB mask is undone by unmask and changes the value', () => {
    const bytes = Buffer.from('hello world, in two pieces');
    expect(crc32c(bytes, crc32c(bytes, 0, 0, 11), 11)).toBe(crc32c(bytes));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (crc) => {
        expect(unmaskCrc(maskCrc(crc))).toBe(crc);
        expect(maskCrc(crc)).not.toBe(crc);
      }),
    );
  });
});

describe('readLogRecords', () => {
  it('reads FULL, FIRST/MIDDLE/LAST across block boundaries, empty records and zero trailers, with any read size', async () => {
    // 32 761 bytes fill a block exactly; 32 755 leave a 6-byte trailer; 100 000 span four blocks.
    const sizes = [0, 1, 100, BLOCK_SIZE - HEADER_SIZE, 5, BLOCK_SIZE - 2 * HEADER_SIZE - 6, 100_000, 3];
    const records = sizes.map(record);
    const bytes = logFile(records);
    expect(new Set(fragmentTypes(bytes))).toEqual(new Set([FRAGMENT.full, FRAGMENT.first, FRAGMENT.middle, FRAGMENT.last]));
    const f = file(bytes);
    for (const chunkBlocks of [1, 2, 32]) {
      const entries = await read(f, { chunkBlocks });
      expect(corrupts(entries)).toEqual([]);
      expect(datas(entries)).toEqual(b64(records));
    }
  });

  it('resumes at any record end with exactly the records after it (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 40_000 })), { minLength: 1, maxLength: 8 }), async (sizes) => {
        const records = sizes.map(record);
        const f = file(logFile(records));
        const all = await read(f, { chunkBlocks: 1 });
        expect(datas(all)).toEqual(b64(records));
        for (let i = 0; i < all.length; i++) {
          const rest = await read(f, { from: all[i]!.end, chunkBlocks: 2 });
          expect(datas(rest)).toEqual(b64(records.slice(i + 1)));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('skips space a writer preallocated (zeros to the end of the block)', async () => {
    const head = fragment(FRAGMENT.full, record(10, 1));
    const block = Buffer.concat([head, Buffer.alloc(BLOCK_SIZE - head.length)]);
    const entries = await read(file(Buffer.concat([block, fragment(FRAGMENT.full, record(20, 2))])));
    expect(corrupts(entries)).toEqual([]);
    expect(datas(entries)).toEqual(b64([record(10, 1), record(20, 2)]));
  });

  it('a payload byte flipped: that record is corrupt (with its offset), every other record is read', async () => {
    const records = [10, 200, 300, 40].map(record);
    const bytes = logFile(records);
    const third = HEADER_SIZE + 10 + HEADER_SIZE + 200;
    bytes[third + HEADER_SIZE + 17]! ^= 0x55;
    const entries = await read(file(bytes));
    expect(corrupts(entries)).toEqual([{ kind: 'corrupt', offset: third, end: third + HEADER_SIZE + 300, problem: 'its CRC32C does not match; reading on at the next fragment' }]);
    expect(datas(entries)).toEqual(b64([records[0], records[1], records[3]]));
  });

  it('a length broken: the rest of the block is reported and skipped, the next block is read', async () => {
    const writer = new LogWriter();
    const first = Array.from({ length: 50 }, (_, i) => record(1000, i));
    const later = [record(50, 99)];
    const parts = first.map((r) => writer.bytes(r));
    const bytes = Buffer.concat([...parts, ...later.map((r) => writer.bytes(r))]);
    // Record 3's length now points past its block.
    const at = (HEADER_SIZE + 1000) * 3;
    bytes.writeUInt16LE(60_000, at + 4);
    const entries = await read(file(bytes));
    const bad = corrupts(entries);
    expect(bad).toEqual([{ kind: 'corrupt', offset: at, end: BLOCK_SIZE, problem: expect.stringMatching(/runs past the end of its block; the rest of the block .* is skipped, reading on at the next block/) }]);
    const read_ = datas(entries);
    expect(read_.slice(0, 3)).toEqual(b64(first.slice(0, 3)));
    // Record 32 starts in block 0 and continues in block 1: it is lost with the block; block 1 reads on.
    expect(read_.slice(3)).toEqual(b64([...first.slice(33), ...later]));
  });

  it('a damaged FIRST fragment loses only its record: the continuation in later blocks is skipped', async () => {
    const records = [record(10, 1), record(80_000, 2), record(10, 3)];
    const bytes = logFile(records);
    const firstAt = HEADER_SIZE + 10;
    bytes[firstAt + HEADER_SIZE + 5]! ^= 1;
    const entries = await read(file(bytes));
    expect(corrupts(entries).map((c) => c.offset)).toEqual([firstAt]);
    expect(datas(entries)).toEqual(b64([records[0], records[2]]));
  });

  it('fragments out of sequence are corrupt records of their own', async () => {
    const bytes = Buffer.concat([
      fragment(FRAGMENT.middle, record(5, 1)),
      fragment(FRAGMENT.full, record(6, 2)),
      fragment(FRAGMENT.first, record(7, 3)),
      fragment(FRAGMENT.full, record(8, 4)),
      fragment(FRAGMENT.last, record(9, 5)),
    ]);
    const entries = await read(file(bytes));
    expect(corrupts(entries).map((c) => [c.offset, c.problem])).toEqual([
      [0, 'a MIDDLE fragment without the FIRST one'],
      [12 + 13, 'a record split over fragments has no LAST fragment'],
      [12 + 13 + 14 + 15, 'a LAST fragment without the FIRST one'],
    ]);
    expect(datas(entries)).toEqual(b64([record(6, 2), record(8, 4)]));
  });

  it('a truncated tail is reported once, inside a record or inside a header; the records before it are read', async () => {
    const records = [record(100, 1), record(50_000, 2)];
    const bytes = logFile(records);
    const inRecord = await read(file(bytes.subarray(0, 40_000)));
    expect(datas(inRecord)).toEqual(b64([records[0]]));
    expect(corrupts(inRecord)).toEqual([{ kind: 'corrupt', offset: 107, end: 40_000, problem: 'the file ends inside this record (truncated)' }]);

    const short = logFile([record(100, 1), record(20, 2)]);
    const inHeader = await read(file(short.subarray(0, 107 + 3)));
    expect(datas(inHeader)).toEqual(b64([records[0]]));
    expect(corrupts(inHeader)).toEqual([{ kind: 'corrupt', offset: 107, end: 110, problem: 'the file ends inside a record header (truncated)' }]);
  });
});
