import mqtt from 'mqtt';

/**
 * Child process of bench/mqtt.ts and bench/h2h.ts: publishes `messages` QoS 1 messages of `perMessage` readings,
 * then exits. Each reading carries `sent` (Date.now() when its message was made) for publish-to-sink latency.
 * With `ratePerSecond` (readings/s) > 0 it publishes at that steady rate, in 5 ms steps, instead of flat out.
 * Several publishers share a run by taking every `stride`-th message from `offset` (event times stay interleaved).
 */
const [url, prefix, messages, perMessage, ratePerSecond = '0', offset = '0', stride = '1'] = process.argv.slice(2) as [string, string, string, string, string?, string?, string?];
const client = await mqtt.connectAsync(url, { clientId: `sluice-bench-pub-${process.pid}`, clean: true });
const n = Number(perMessage);
const total = Number(messages);
const index = (k: number) => Number(offset) + k * Number(stride);
const rate = Number(ratePerSecond) / n;
const message = (i: number) => {
  const sent = Date.now();
  // A reading per sensor every 10 s of event time, so 1-minute windows close as the run goes on.
  const readings = Array.from({ length: n }, (_, j) => ({ ts: 1_700_000_000_000 + i * 100, sensor: `s${i % 100}`, seq: i * n + j, value: 20 + (j % 7), sent }));
  return client.publishAsync(`${prefix}/s${i % 100}`, JSON.stringify(readings), { qos: 1 });
};
const started = Date.now();
const paced: Promise<unknown>[] = [];
for (let m = 0; m < total;) {
  const upTo = rate > 0 ? Math.min(total, Math.floor(((Date.now() - started) / 1000) * rate) + 1) : Math.min(m + 500, total);
  const sends: Promise<unknown>[] = [];
  for (; m < upTo; m++) sends.push(message(index(m)));
  if (rate > 0) {
    paced.push(...sends);
    await new Promise((r) => setTimeout(r, 5));
  } else await Promise.all(sends);
}
await Promise.all(paced);
await client.endAsync();
// For the parent: how long publishing took and how much of it this process was on a core (1 = publisher-bound).
const wallMs = Date.now() - started;
const { userCPUTime, systemCPUTime } = process.resourceUsage();
process.stdout.write(`${JSON.stringify({ readings: total * n, wallMs, cpuMs: (userCPUTime + systemCPUTime) / 1000 })}\n`);
