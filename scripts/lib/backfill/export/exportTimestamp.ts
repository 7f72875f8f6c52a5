/**
 * A timestamp read from an export (µs precision there), shaped like firebase-admin's Timestamp where
 * the backfill looks: toMillis() for the parsers, and `_seconds`/`_nanoseconds` as its own fields,
 * so a rejected document's raw JSON is the same as the Firestore source stores. firebase-admin is
 * not loaded for it: the export reader needs no Google client at all.
 */
export class ExportTimestamp {
  readonly _seconds: number;
  readonly _nanoseconds: number;

  constructor(seconds: number, nanoseconds: number) {
    this._seconds = seconds;
    this._nanoseconds = nanoseconds;
  }

  static fromMicros(micros: number): ExportTimestamp {
    const seconds = Math.floor(micros / 1e6);
    return new ExportTimestamp(seconds, (micros - seconds * 1e6) * 1000);
  }

  get seconds(): number {
    return this._seconds;
  }

  get nanoseconds(): number {
    return this._nanoseconds;
  }

  toMillis(): number {
    return this._seconds * 1000 + Math.floor(this._nanoseconds / 1e6);
  }

  toDate(): Date {
    return new Date(this.toMillis());
  }
}
