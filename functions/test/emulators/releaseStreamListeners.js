// slonik's logger (roarr) adds an 'error' listener to process.stdout each time it is loaded, and this
// suite loads it once per spec file in one process (--runInBand): past ten files Node warns of a leak
// that production, loading it once, never has. Each file removes the stream listeners it added.
const streams = [process.stdout, process.stderr];
const before = streams.map((s) => s.listeners('error'));
afterAll(() => {
  streams.forEach((stream, i) => {
    for (const listener of stream.listeners('error')) if (!before[i].includes(listener)) stream.removeListener('error', listener);
  });
});
