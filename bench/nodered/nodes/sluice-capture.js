/**
 * Stands in for a debug node when a test runs a flow in Node-RED: hands what the debug node would show
 * (its `complete` property, or the whole message) to the parent process, for comparison with Sluice.
 */
module.exports = function (RED) {
  function SluiceCapture(n) {
    RED.nodes.createNode(this, n);
    const complete = n.complete === undefined || n.complete === 'false' || n.complete === false ? 'payload' : String(n.complete);
    this.on('input', (msg, _send, done) => {
      const value = complete === 'true' ? msg : RED.util.getMessageProperty(msg, complete);
      const plain = JSON.stringify(value === undefined ? null : value, (k, v) => (k === 'req' || k === 'res' ? undefined : v));
      if (process.send) process.send({ kind: 'capture', node: n.id, at: Date.now(), value: JSON.parse(plain) });
      done();
    });
  }
  RED.nodes.registerType('sluice-capture', SluiceCapture);
};
