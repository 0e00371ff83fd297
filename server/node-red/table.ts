import { change } from './translators/change.js';
import { debug } from './translators/debug.js';
import { fn } from './translators/function.js';
import { httpIn, httpResponse } from './translators/http.js';
import { inject } from './translators/inject.js';
import { mqttIn, mqttOut } from './translators/mqtt.js';
import { comment, group } from './translators/notes.js';
import { csv, json } from './translators/parsers.js';
import { range } from './translators/range.js';
import { join, split } from './translators/sequence.js';
import { switchNode } from './translators/switch.js';
import { delay, trigger } from './translators/timing.js';
import type { Translator } from './translators/types.js';

/**
 * The translation table: every Node-RED type the import handles, and how. The import, its report and the
 * bench read it; a type not listed here is reported as needing a hand, with the reason from UNSUPPORTED
 * when we know it.
 */
export interface TableEntry {
  /** What the Sluice side is, for the docs and the report. */
  becomes: string;
  /** Node types translated one to one; the structural ones (links, catch, tabs, subflows, config) have none. */
  translate?: Translator;
}

export const TABLE: { readonly [nodeRedType: string]: TableEntry } = {
  inject: { becomes: 'inject', translate: inject },
  debug: { becomes: 'debug', translate: debug },
  function: { becomes: 'function (node-red dialect)', translate: fn },
  change: { becomes: 'change', translate: change },
  switch: { becomes: 'switch', translate: switchNode },
  range: { becomes: 'range', translate: range },
  json: { becomes: 'json', translate: json },
  csv: { becomes: 'csv', translate: csv },
  split: { becomes: 'split', translate: split },
  join: { becomes: 'join', translate: join },
  delay: { becomes: 'delay', translate: delay },
  trigger: { becomes: 'trigger', translate: trigger },
  'mqtt in': { becomes: 'mqtt-in (format message)', translate: mqttIn },
  'mqtt out': { becomes: 'mqtt-out', translate: mqttOut },
  'http in': { becomes: 'http-in (reply: flow)', translate: httpIn },
  'http response': { becomes: 'http-response', translate: httpResponse },
  comment: { becomes: 'note', translate: comment },
  group: { becomes: 'note', translate: group },
  catch: { becomes: 'catch, wired from the error ports of the nodes it covers' },
  'link in': { becomes: 'wires' },
  'link out': { becomes: 'wires' },
  junction: { becomes: 'wires' },
  tab: { becomes: 'a Sluice flow' },
  subflow: { becomes: 'its nodes, expanded inline in each instance' },
  'mqtt-broker': { becomes: 'the connection settings of the MQTT nodes using it' },
  'tls-config': { becomes: 'nothing yet: TLS settings are entered on the MQTT nodes' },
};

/** Node-RED's own types that are not translated yet, with the reason the report gives. */
export const UNSUPPORTED: { readonly [nodeRedType: string]: string } = {
  template: 'mustache templates are not supported yet: rewrite it as a function node (return { ...msg, payload: `…${msg.payload}…` })',
  'link call': 'link call waits for a return, which wires cannot express',
  status: 'Sluice shows node status in the editor and the API; no node receives it',
  complete: 'Sluice has no completion events',
  exec: 'running system commands is not supported',
  'http request': 'use the webhook sink (POST of records) or the API poller source',
  file: 'writing files is not supported', 'file in': 'use the FTP receiver to ingest files', watch: 'watching files is not supported',
  'tcp in': 'raw TCP is not supported', 'tcp out': 'raw TCP is not supported', 'tcp request': 'raw TCP is not supported',
  'udp in': 'UDP is not supported', 'udp out': 'UDP is not supported',
  'websocket in': 'WebSocket nodes are not supported', 'websocket out': 'WebSocket nodes are not supported',
  'websocket-listener': 'WebSocket nodes are not supported', 'websocket-client': 'WebSocket nodes are not supported',
  sort: 'sorting message sequences is not supported yet', batch: 'use join (manual, count) for number-based groups',
  html: 'HTML parsing is not supported', xml: 'XML is not supported yet', yaml: 'YAML is not supported yet', rbe: 'use a function node to filter repeated values',
  'http proxy': 'proxies are not supported', unknown: 'Node-RED itself did not know this node\'s type',
};
