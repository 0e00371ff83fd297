import { startIlpServer } from '../test/fixtures/ilp-server.js';

/** The ILP test server in its own process for the benchmark: parses and checks every line, keeps no rows. */
const server = await startIlpServer({ store: false });
process.stdout.write(`${server.url}\n`);
process.on('message', (msg) => {
  if (msg === 'stats') process.send!(server.stats);
});
process.on('disconnect', () => {
  void server.close().then(() => process.exit(0));
});
