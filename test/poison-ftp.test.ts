import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DataRecord } from '../server/core/types.js';
import { upload } from './helpers/ftp.js';
import { bad, deploy, rows } from './helpers/ftp-flow.js';
import { waitFor } from './helpers/wait.js';

const deep = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

interface Upload {
  what: string;
  name: string;
  body: Buffer;
  /** Rows expected on `out`, by sensor. */
  out: string[];
  /** Rows expected on `invalid`: line and what the reason says. */
  invalid: [number, RegExp][];
}

const utf16le = (text: string, bom = true) => Buffer.from(`${bom ? '\ufeff' : ''}${text}`, 'utf16le');
const CSV = 'ts,sensor,value\r\n2024-05-01T00:00:00Z,a,1.5\r\n2024-05-01T00:00:01Z,b,2\r\n2024-05-01T00:00:02Z,c,3\r\n';

const UPLOADS: Upload[] = [
  {
    what: 'NDJSON with poison lines between good ones', name: 'mixed.ndjson',
    body: Buffer.from([
      '{"sensor":"n1","value":1}', deep(10_000), '{"sensor":"n2","value":2}', '{"sensor":"x","__proto__":{"admin":true}}',
      '{"sensor":"n3","value":1e400}', '', '{"sensor":"n4","value":4}', `[${deep(70)}]`, '{"sensor":"n5","value":5}',
    ].join('\n')),
    out: ['n1', 'n2', 'n3', 'n4', 'n5'],
    invalid: [[2, /^nested 10000 levels deep at \/a\/a.*; the limit is 64$/], [4, /^the key "__proto__" at \/__proto__ is not allowed/], [8, /^nested 71 levels deep at \/0\/a/]],
  },
  {
    what: 'a JSON array with a deep element', name: 'array.json',
    body: Buffer.from(`[{"sensor":"j1","value":1},\n${deep(200)},\n{"sensor":"j2","value":2}]`),
    out: ['j1', 'j2'], invalid: [[2, /^nested 200 levels deep/]],
  },
  {
    // The issue's case: line 2 used to become the header silently, lines 3-4 were refused for lacking value.
    what: 'a CSV whose header is not UTF-8', name: 'latin1-header.csv',
    body: Buffer.from('ts,sen\xffsor,value\n2024-05-01T00:00:00Z,a,1\n2024-05-01T00:00:01Z,b,2\n2024-05-01T00:00:02Z,c,3\n', 'latin1'),
    out: [],
    invalid: [[1, /^invalid UTF-8 at byte 7 of the row; save the file as UTF-8/], [2, /^the header \(line 1\) could not be read \(invalid UTF-8 at byte 7/], [3, /^the header \(line 1\)/], [4, /^the header \(line 1\)/]],
  },
  { what: 'UTF-16 LE with a byte order mark (Excel "Unicode text")', name: 'excel.csv', body: utf16le(CSV), out: ['a', 'b', 'c'], invalid: [] },
  { what: 'UTF-16 BE with a byte order mark', name: 'be.csv', body: utf16le(CSV).swap16(), out: ['a', 'b', 'c'], invalid: [] },
  { what: 'UTF-16 LE without a byte order mark', name: 'nobom.csv', body: utf16le(CSV, false), out: ['a', 'b', 'c'], invalid: [] },
  { what: 'UTF-16 NDJSON with a non-BMP character', name: 'emoji.ndjson', body: utf16le('{"sensor":"\u{1f321}","value":1}\n{"sensor":"z","value":2}\n'), out: ['\u{1f321}', 'z'], invalid: [] },
  {
    what: 'UTF-16 with an unpaired surrogate in one row', name: 'surrogate.csv',
    body: Buffer.concat([utf16le('ts,sensor,value\n2024-05-01T00:00:00Z,a,1\n2024-05-01T00:00:01Z,'), Buffer.from([0x00, 0xd8]), utf16le(',2\n2024-05-01T00:00:02Z,c,3\n', false)]),
    out: ['a', 'c'], invalid: [[3, /^invalid UTF-16 LE in the row: an unpaired surrogate/]],
  },
  { what: 'UTF-8 with a byte order mark', name: 'bom.csv', body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(CSV)]), out: ['a', 'b', 'c'], invalid: [] },
  {
    what: 'a CSV with numbers beyond a double', name: 'big.csv', body: Buffer.from('ts,sensor,value,note\n2024-05-01T00:00:00Z,a,1e400,1e400\n2024-05-01T00:00:01Z,b,2,1e400\n'),
    out: ['b'], invalid: [[2, /^"1e400" is beyond the range of a double-precision number$/]],
  },
  {
    what: 'a CSV with a __proto__ column', name: 'proto.csv', body: Buffer.from('ts,sensor,value,__proto__\n2024-05-01T00:00:00Z,a,1,x\n'),
    out: [], invalid: [[2, /the column name "__proto__" is not allowed/]],
  },
  {
    what: 'a CSV naming a column twice', name: 'twice.csv', body: Buffer.from('ts,sensor,value,value\n2024-05-01T00:00:00Z,a,1,2\n'),
    out: [], invalid: [[2, /the column "value" appears twice \(columns 3 and 4\)/]],
  },
  {
    what: 'a CSV whose header has a stray quote', name: 'quote.csv', body: Buffer.from('ts,"sensor"x,value\n2024-05-01T00:00:00Z,a,1\n'),
    out: [], invalid: [[1, /unexpected character after a closing quote/], [2, /the header \(line 1\) could not be read/]],
  },
];

test('FTP: every row of a hostile file ends in out or invalid, with its line; poison lines never take the good ones down', async (t) => {
  const d = await deploy(t);
  for (const u of UPLOADS) {
    const outBefore = rows().length;
    const badBefore = bad().length;
    assert.match(await upload(d.port, u.name, u.body), /^226 /, u.what);
    await waitFor(`${u.what}: every row accounted for`, () => rows().length - outBefore === u.out.length && bad().length - badBefore === u.invalid.length);
    const out: DataRecord[] = rows().slice(outBefore);
    assert.deepEqual(out.map((r) => r.sensor), u.out, u.what);
    const invalid = bad().slice(badBefore);
    invalid.forEach((issue, i) => {
      const [line, reason] = u.invalid[i]!;
      assert.equal(issue.line, line, `${u.what}: ${JSON.stringify(issue)}`);
      assert.equal(issue.file, `site-a/${u.name}`);
      assert.match(String(issue.reason), reason, `${u.what}, line ${line}`);
    });
  }
  const big = rows().find((r) => r.sensor === 'n3');
  assert.deepEqual(big!.value, { $number: '1e400' }, '1e400 is kept as its text, not turned into null');
  assert.equal(rows().find((r) => r.note !== undefined)!.note, '1e400', 'a CSV cell that is not a numeric column stays its text');
});
