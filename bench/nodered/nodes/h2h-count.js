// Node-RED's counting sink for `npm run bench -- h2h`: hands each message's readings to the tally the bench
// child put on globalThis (bench/h2h/tally.ts), the same bookkeeping Sluice's sink does.
module.exports = function (RED) {
  function H2hCount(config) {
    RED.nodes.createNode(this, config);
    const tally = globalThis.h2hTally;
    this.on('input', (msg, send, done) => {
      const now = Date.now();
      const p = msg.payload;
      if (Array.isArray(p)) for (const r of p) tally.record(r, now);
      else tally.record(p, now);
      tally.endBatch();
      done();
    });
  }
  RED.nodes.registerType('h2h-count', H2hCount);
};
