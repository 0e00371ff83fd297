import mqtt from 'mqtt';

/** Child process of bench/mqtt.ts: publishes `messages` QoS 1 messages of `perMessage` readings, then exits. */
const [url, prefix, messages, perMessage] = process.argv.slice(2) as [string, string, string, string];
const client = await mqtt.connectAsync(url, { clientId: `sluice-bench-pub-${process.pid}`, clean: true });
const n = Number(perMessage);
for (let m = 0; m < Number(messages); m += 500) {
  const sends: Promise<unknown>[] = [];
  for (let i = m; i < Math.min(m + 500, Number(messages)); i++) {
    const readings = Array.from({ length: n }, (_, j) => ({ ts: 1_700_000_000_000 + i, sensor: `s${i % 100}`, seq: i * n + j, value: 20 + (j % 7) }));
    sends.push(client.publishAsync(`${prefix}/s${i % 100}`, JSON.stringify(readings), { qos: 1 }));
  }
  await Promise.all(sends);
}
await client.endAsync();
