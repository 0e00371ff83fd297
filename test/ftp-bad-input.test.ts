import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csvRows, deploy, rows, bad, stats } from './helpers/ftp-flow.js';
import { upload } from './helpers/ftp.js';
import { waitFor } from './helpers/wait.js';

const HEADER = 'ts,sensor,value\n';
const good = (n: number, from = 0) => `${csvRows(n, from)}\n`;

/** name, content, records expected, invalid expected as [line, column | undefined, reason pattern] */
const cases: [string, string | Buffer, number, [number, string | undefined, RegExp][]][] = [
  ['truncated.json', '[{"ts":"2024-05-01T00:00:00Z","sensor":"a","value":1},\n{"ts":"2024-05-01T00:00:01Z","sensor":"b","value":2},\n{"ts":"2024-05-01T00:00:02Z","sen', 2,
    [[3, undefined, /truncated/]]],
  ['wrong-delimiter.csv', 'ts;sensor;value\n2024-05-01T00:00:00Z;a;1\n2024-05-01T00:00:01Z;b;2\n', 0,
    [[2, undefined, /lack "ts", "value" \(is the delimiter "," right\?\)/], [3, undefined, /is the delimiter/]]],
  ['garbage.csv', Buffer.concat([Buffer.from(HEADER + good(2)), Buffer.from([0x00, 0xff, 0xfe, 0x2c, 0x80, 0x0a]), Buffer.from(good(1, 5))]), 3,
    [[4, undefined, /invalid UTF-8 at byte 2/]]],
  ['long-line.csv', HEADER + good(1) + 'x'.repeat(10 * 1024 * 1024) + '\n' + good(2, 1), 3,
    [[3, undefined, /row longer than 1048576 bytes/]]],
  ['bom.csv', `\ufeff${HEADER}${good(2)}`, 2, []],
  ['empty.csv', '', 0, [[1, undefined, /empty file/]]],
  ['columns.csv', `${HEADER}${good(1)}2024-05-01T00:00:09Z,a,1,extra\n${good(1, 3)}`, 2, [[3, undefined, /4 fields, expected 3/]]],
  ['timestamp.csv', `${HEADER}2024-13-45T99:00:00Z,a,1\n1714521600,b,2\n${good(1)}`, 1,
    [[2, 'ts', /not a valid date-time|not an ISO 8601/], [3, 'ts', /not an ISO 8601 date-time/]]],
  ['decimal-comma.csv', `${HEADER}2024-05-01T00:00:00Z,a,"21,5"\n${good(1)}`, 1, [[2, 'value', /"21,5" is not a number \(decimal comma\? set decimalComma\)/]]],
  ['quote.csv', `${HEADER}${good(1)}2024-05-01T00:00:01Z,"open,1\n${good(2, 2)}`, 3, [[3, undefined, /unterminated quote/]]],
  ['utf8.csv', Buffer.concat([Buffer.from(`${HEADER}${good(1)}2024-05-01T00:00:01Z,caf`), Buffer.from([0xe9]), Buffer.from(`,1\n${good(1, 2)}`)]), 2,
    [[3, undefined, /invalid UTF-8/]]],
  ['broken.ndjson', '{"ts":"2024-05-01T00:00:00Z","sensor":"a","value":1}\n{"ts":"2024-05-01T00:00:01Z","sensor":"b",\n{"ts":"2024-05-01T00:00:02Z","sensor":"c","value":3}\n', 2,
    [[2, '43', /Expected double-quoted property name|Unexpected end/]]],
  ['not-objects.json', '[{"sensor":"a","value":1}, 42, "x", {"sensor":"b","value":2}]', 2,
    [[1, undefined, /expected an object, got number/], [1, undefined, /expected an object, got string/]]],
];

test('malformed files: each bad row goes to invalid with file, line and reason; the good rows around it are ingested', async (t) => {
  const d = await deploy(t);
  let expectRecords = 0;
  let expectInvalid = 0;
  for (const [name, content, records, issues] of cases) {
    const before = stats(d);
    assert.match(await upload(d.port, name, content), /^226/, name);
    const after = stats(d);
    assert.equal(after.records - before.records, records, `${name}: records`);
    assert.equal(after.invalid - before.invalid, issues.length, `${name}: invalid rows`);
    expectRecords += records;
    expectInvalid += issues.length;
  }
  await waitFor('everything delivered', () => rows().length === expectRecords && bad().length === expectInvalid);
  for (const [name, , , issues] of cases) {
    const found = bad().filter((b) => b.file === `site-a/${name}`);
    assert.equal(found.length, issues.length, name);
    issues.forEach(([line, column, reason], i) => {
      assert.equal(found[i]!.line, line, `${name}: line of issue ${i}`);
      assert.equal(found[i]!.column, column, `${name}: column of issue ${i}`);
      assert.match(String(found[i]!.reason), reason, `${name}: reason of issue ${i}`);
    });
  }
  const longLine = bad().find((b) => b.file === 'site-a/long-line.csv')!;
  assert.ok(String(longLine.raw).length < 1000, 'a 10 MB line is reported, not copied');
});
