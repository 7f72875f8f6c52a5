import { open } from 'node:fs/promises';
import { crc32c, unmaskCrc } from './crc32c';

/** LevelDB log format: 32 KiB blocks of records, each `crc (4, LE, masked) | length (2, LE) | type (1) | payload`. */
export const BLOCK_SIZE = 32 * 1024;
export const HEADER_SIZE = 7;
export const FRAGMENT = { zero: 0, full: 1, first: 2, middle: 3, last: 4 } as const;

/** A whole record, or a stretch of the file that held no readable record; offsets are bytes into the file. */
export type LogEntry =
  | { kind: 'record'; data: Buffer; offset: number; end: number }
  | { kind: 'corrupt'; offset: number; end: number; problem: string };

export interface LogReadOptions {
  /** Start here: 0, or the `end` of a record read earlier (a resume). */
  from?: number;
  /** Blocks read per system call; the only buffer whose size does not depend on the records. */
  chunkBlocks?: number;
}

/**
 * Streams the records of one log file with one fixed buffer. A fragment whose CRC does not match,
 * a fragment out of sequence or a file cut short is reported as `corrupt` with its offset, never
 * thrown and never dropped unreported: after a bad CRC the reader goes on at the next fragment when
 * the length still lands inside the block, and after a second failure in one block at the next
 * block, skipping continuation fragments of a record it lost (LevelDB's own resynchronisation).
 */
export async function* readLogRecords(file: string, options: LogReadOptions = {}): AsyncGenerator<LogEntry> {
  const from = options.from ?? 0;
  const chunk = Buffer.allocUnsafe((options.chunkBlocks ?? 32) * BLOCK_SIZE);
  const handle = await open(file, 'r');
  try {
    let chunkStart = Math.floor(from / BLOCK_SIZE) * BLOCK_SIZE;
    // The record being assembled from FIRST/MIDDLE fragments.
    let parts: Buffer[] = [];
    let partsOffset = -1;
    let resyncing = false;
    for (;;) {
      const length = await fill(handle, chunk, chunkStart);
      const atEof = length < chunk.length;
      for (let blockStart = 0; blockStart < length; blockStart += BLOCK_SIZE) {
        const blockEnd = Math.min(blockStart + BLOCK_SIZE, length);
        const absolute = chunkStart + blockStart;
        const lastBlock = atEof && blockEnd === length;
        let pos = absolute < from ? from - absolute + blockStart : blockStart;
        let failures = 0;
        while (blockEnd - pos >= HEADER_SIZE) {
          const at = chunkStart + pos;
          const size = chunk.readUInt16LE(pos + 4);
          const type = chunk[pos + 6] as number;
          // Space a writer preallocated and never used: the rest of the block is padding.
          if (type === FRAGMENT.zero && size === 0 && chunk.readUInt32LE(pos) === 0) break;
          const next = pos + HEADER_SIZE + size;
          if (next > blockEnd && lastBlock && blockEnd - blockStart < BLOCK_SIZE) {
            yield corrupt(partsOffset >= 0 ? partsOffset : at, chunkStart + blockEnd, 'the file ends inside this record (truncated)');
            return;
          }
          let problem: string | null = null;
          if (next > blockEnd) problem = `its length (${size}) runs past the end of its block`;
          else if (unmaskCrc(chunk.readUInt32LE(pos)) !== crc32c(chunk, 0, pos + 6, next)) problem = 'its CRC32C does not match';
          else if (type < FRAGMENT.full || type > FRAGMENT.last) problem = `unknown fragment type ${type}`;
          if (problem !== null) {
            failures += 1;
            if (partsOffset >= 0) {
              yield corrupt(partsOffset, at, 'a record split over fragments lost its continuation here');
              parts = [];
              partsOffset = -1;
            }
            resyncing = true;
            // A bad payload behind a sound length: the next fragment is where the length says.
            if (failures === 1 && next <= blockEnd) {
              yield corrupt(at, chunkStart + next, `${problem}; reading on at the next fragment`);
              pos = next;
              continue;
            }
            const resume = chunkStart + blockEnd;
            yield corrupt(at, resume, `${problem}; the rest of the block (bytes ${at}–${resume - 1}) is skipped, reading on at the next block`);
            pos = blockEnd;
            break;
          }
          const payload = chunk.subarray(pos + HEADER_SIZE, next);
          pos = next;
          if (type === FRAGMENT.full || type === FRAGMENT.first) {
            resyncing = false;
            if (partsOffset >= 0) yield corrupt(partsOffset, at, 'a record split over fragments has no LAST fragment');
            if (type === FRAGMENT.full) {
              parts = [];
              partsOffset = -1;
              yield { kind: 'record', data: Buffer.from(payload), offset: at, end: chunkStart + next };
            } else {
              parts = [Buffer.from(payload)];
              partsOffset = at;
            }
          } else if (resyncing) {
            // The continuation of a record already reported as corrupt.
          } else if (partsOffset < 0) {
            yield corrupt(at, chunkStart + next, `a ${type === FRAGMENT.middle ? 'MIDDLE' : 'LAST'} fragment without the FIRST one`);
          } else {
            parts.push(Buffer.from(payload));
            if (type === FRAGMENT.last) {
              yield { kind: 'record', data: Buffer.concat(parts), offset: partsOffset, end: chunkStart + next };
              parts = [];
              partsOffset = -1;
            }
          }
        }
        // Fewer than 7 bytes left: a block trailer (zeros), unless the file was cut inside a header.
        if (lastBlock && blockEnd - blockStart < BLOCK_SIZE && pos < blockEnd && chunk.subarray(pos, blockEnd).some((b) => b !== 0)) {
          yield corrupt(chunkStart + pos, chunkStart + blockEnd, 'the file ends inside a record header (truncated)');
          parts = [];
          partsOffset = -1;
        }
      }
      if (atEof) {
        if (partsOffset >= 0) yield corrupt(partsOffset, chunkStart + length, 'the file ends inside this record (truncated)');
        return;
      }
      chunkStart += length;
    }
  } finally {
    await handle.close();
  }
}

function corrupt(offset: number, end: number, problem: string): LogEntry {
  return { kind: 'corrupt', offset, end, problem };
}

/** Reads until the buffer is full or the file ends; returns the bytes read. */
async function fill(handle: Awaited<ReturnType<typeof open>>, buffer: Buffer, position: number): Promise<number> {
  let filled = 0;
  while (filled < buffer.length) {
    const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled;
}
