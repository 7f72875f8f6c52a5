import { BLOCK_SIZE, FRAGMENT, HEADER_SIZE } from '../backfill/export/logReader';
import { crc32c, maskCrc } from '../backfill/export/crc32c';

/**
 * Writes LevelDB log records the way LevelDB's writer does (fragments across 32 KiB blocks, zero
 * trailers), for the benchmark's synthetic exports and the reader's tests. `bytes(record)` returns
 * what to append to the file for one record.
 */
export class LogWriter {
  private blockOffset = 0;

  bytes(record: Uint8Array): Buffer {
    const out: Buffer[] = [];
    let left = record.length;
    let start = 0;
    let begin = true;
    do {
      const leftover = BLOCK_SIZE - this.blockOffset;
      if (leftover < HEADER_SIZE) {
        if (leftover > 0) out.push(Buffer.alloc(leftover));
        this.blockOffset = 0;
      }
      const avail = BLOCK_SIZE - this.blockOffset - HEADER_SIZE;
      const size = Math.min(left, avail);
      const end = size === left;
      const type = begin && end ? FRAGMENT.full : begin ? FRAGMENT.first : end ? FRAGMENT.last : FRAGMENT.middle;
      out.push(fragment(type, record.subarray(start, start + size)));
      this.blockOffset += HEADER_SIZE + size;
      start += size;
      left -= size;
      begin = false;
    } while (left > 0);
    return out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out);
  }
}

/** One fragment: header (masked CRC32C over type and payload, length, type) and payload. */
export function fragment(type: number, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(HEADER_SIZE + payload.length);
  out[6] = type;
  out.set(payload, HEADER_SIZE);
  out.writeUInt16LE(payload.length, 4);
  out.writeUInt32LE(maskCrc(crc32c(out, 0, 6, out.length)), 0);
  return out;
}

/** A whole log file's bytes from its records. */
export function logFile(records: readonly Uint8Array[]): Buffer {
  const writer = new LogWriter();
  return Buffer.concat(records.map((r) => writer.bytes(r)));
}
