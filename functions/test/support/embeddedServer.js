// Serves a fresh in-memory PGlite over the wire protocol and prints its URL. Run as a child
// process because PGlite's dynamic imports cannot run inside jest's module VM.
const net = require('node:net');

async function main() {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const db = await PGlite.create();
  const port = await new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port: p } = probe.address();
      probe.close(() => resolve(p));
    });
  });
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port, maxConnections: 100 });
  await server.start();
  process.stdout.write(`${port}\n`);
  const stop = async () => {
    await server.stop();
    await db.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  // Dies with its parent: a crashed jest worker must not leave servers behind.
  process.stdin.on('end', stop);
  process.stdin.resume();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
