import type { NodeDefinition } from '../server/core/types.js';
import alert from './alert.js';
import alertsWidget from './alerts-widget.js';
import apiPoller from './api-poller.js';
import catchNode from './catch.js';
import change from './change.js';
import chart from './chart/index.js';
import csv from './csv/index.js';
import debug from './debug.js';
import delay from './delay.js';
import ftpReceiver from './ftp-receiver.js';
import functionNode from './function.js';
import httpIn from './http-in.js';
import httpResponse from './http-response.js';
import inject from './inject.js';
import join from './join.js';
import json from './json.js';
import mqttIn from './mqtt-in.js';
import mqttOut from './mqtt-out.js';
import nodeRedPlaceholder from './node-red-placeholder.js';
import note from './note.js';
import postgres from './postgres.js';
import questdb from './questdb.js';
import range from './range.js';
import regionLookup from './region-lookup.js';
import repartition from './repartition.js';
import report from './report/index.js';
import rollup from './rollup.js';
import simulate from './simulate.js';
import split from './split.js';
import stat from './stat.js';
import switchNode from './switch.js';
import table from './table.js';
import topK from './top-k.js';
import trigger from './trigger.js';
import validate from './validate.js';
import webhook from './webhook.js';

/** Every node type shipped with Sluice, sources first, then processing, then sinks; registering a node is adding it here. */
export const builtinNodes: NodeDefinition[] = [
  mqttIn, ftpReceiver, httpIn, apiPoller, simulate, inject,
  validate, regionLookup, repartition, rollup, alert, topK, functionNode,
  change, switchNode, range, json, csv, split, join, delay, trigger, catchNode,
  questdb, postgres, mqttOut, webhook, httpResponse, debug,
  chart, stat, table, alertsWidget, report,
  note, nodeRedPlaceholder,
];
