import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DAY_KEY, reportConfig } from './helpers/report-day.js';
import { canvasNode, flowUrl, LONG, openEditorPage, serveEditor } from './helpers/editor-page.js';
import { startSmtp } from './helpers/smtp.js';
import { tempDir } from './helpers/temp-dir.js';

test('the Reports view lists a flow\'s report with its schedule, runs it now, shows the delivery and downloads the PDF', async (t) => {
  const smtp = await startSmtp();
  t.after(() => smtp.close());
  const { base, runtime, browser } = await serveEditor(t);
  await runtime.deploy('site', {
    sluice: 1, id: 'site', name: 'Site',
    nodes: [{ id: 'daily', type: 'report', name: 'daily report', config: reportConfig({ to: ['manager@site.example'], smtp: { host: '127.0.0.1', port: smtp.port, security: 'none' } }), position: { x: 80, y: 80 } }],
    wires: [], settings: { tickMs: 200 },
  });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
  const { page, errors } = await openEditorPage(context, flowUrl(base, 'site'));
  await canvasNode(page, 'daily').waitFor({ timeout: LONG });
  await page.getByRole('tab', { name: 'Reports' }).click();
  const card = page.getByTestId('report');
  await card.waitFor({ timeout: LONG });
  assert.match(await card.innerText(), /Daily environmental monitoring report[\s\S]*0 7 \* \* \*[\s\S]*Europe\/London[\s\S]*manager@site\.example/);

  await card.getByLabel('Period').fill(DAY_KEY);
  await card.getByRole('button', { name: 'Run now' }).click();
  const item = page.getByTestId('report-document').first();
  await item.waitFor({ timeout: LONG });
  await page.waitForFunction(`document.querySelector('[data-testid="report-document"]')?.textContent?.includes('sent to 1')`, undefined, { timeout: LONG });
  assert.match(await item.innerText(), new RegExp(`${DAY_KEY}[\\s\\S]*on request of test-admin[\\s\\S]*no data`));
  assert.equal(smtp.mails.length, 1);

  const download = page.waitForEvent('download');
  await item.getByRole('link', { name: 'Download PDF' }).click();
  const file = join(tempDir(t), 'report.pdf');
  await (await download).saveAs(file);
  assert.equal(readFileSync(file).subarray(0, 5).toString(), '%PDF-');
  if (process.env.SLUICE_SCREENSHOTS) await page.screenshot({ path: join(process.env.SLUICE_SCREENSHOTS, 'editor-reports.png') });
  assert.deepEqual(errors, []);
});
