// One charging station built on the npm package ocpp-rpc in strict mode (every call and every answer is
// checked against the OCPP schemas): runs one transaction, or each call of a JSON file
// ({"<version>": {"<action>": {"request": {...}}}}), and prints the answers it got as JSON.
// usage: node ocpp_rpc_station.cjs <node_modules dir> <endpoint> <identity> <1.6|2.0.1> [calls.json]
const fs = require('fs');
const path = require('path');
const [modules, endpoint, identity, version, callsFile] = process.argv.slice(2);
const { RPCClient } = require(path.join(modules, 'ocpp-rpc'));

const T0 = '2026-01-05T08:00:00.000Z';
const T1 = '2026-01-05T08:05:00.000Z';
const T2 = '2026-01-05T08:10:00.000Z';

async function v16(cli) {
  const out = {};
  out.boot = await cli.call('BootNotification', { chargePointVendor: 'npm', chargePointModel: 'ocpp-rpc' });
  out.heartbeat = await cli.call('Heartbeat', {});
  out.status = await cli.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available', timestamp: T0 });
  out.authorize = await cli.call('Authorize', { idTag: 'RPC-TAG' });
  out.start = await cli.call('StartTransaction', { connectorId: 1, idTag: 'RPC-TAG', meterStart: 500, timestamp: T0 });
  const transactionId = out.start.transactionId;
  out.meterValues = await cli.call('MeterValues', {
    connectorId: 1, transactionId,
    meterValue: [{ timestamp: T1, sampledValue: [
      { value: '1.25', unit: 'kWh', measurand: 'Energy.Active.Import.Register', context: 'Sample.Periodic', location: 'Outlet' },
      { value: '7.4', unit: 'kW', measurand: 'Power.Active.Import', context: 'Sample.Periodic' },
    ] }],
  });
  out.stop = await cli.call('StopTransaction', {
    transactionId, meterStop: 2500, timestamp: T2, reason: 'Local', idTag: 'RPC-TAG',
    transactionData: [{ timestamp: T2, sampledValue: [{ value: '2500', context: 'Transaction.End' }] }],
  });
  return out;
}

async function v201(cli) {
  const out = {};
  const idToken = { idToken: 'RPC-TAG', type: 'ISO14443' };
  const info = { transactionId: 'RPC-TX-1' };
  const register = (t, wh, context) => [{ timestamp: t, sampledValue: [{ value: wh, context, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } }] }];
  out.boot = await cli.call('BootNotification', { chargingStation: { vendorName: 'npm', model: 'ocpp-rpc' }, reason: 'PowerUp' });
  out.heartbeat = await cli.call('Heartbeat', {});
  out.status = await cli.call('StatusNotification', { timestamp: T0, connectorStatus: 'Available', evseId: 1, connectorId: 1 });
  out.authorize = await cli.call('Authorize', { idToken });
  out.started = await cli.call('TransactionEvent', {
    eventType: 'Started', timestamp: T0, triggerReason: 'Authorized', seqNo: 0,
    transactionInfo: { ...info, chargingState: 'Charging' }, idToken, evse: { id: 1, connectorId: 1 },
    meterValue: register(T0, 500, 'Transaction.Begin'),
  });
  out.updated = await cli.call('TransactionEvent', {
    eventType: 'Updated', timestamp: T1, triggerReason: 'MeterValuePeriodic', seqNo: 1, transactionInfo: info,
    meterValue: [{ timestamp: T1, sampledValue: [
      { value: 1.25, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'kWh' }, location: 'Outlet', context: 'Sample.Periodic' },
      { value: 74, measurand: 'Power.Active.Import', unitOfMeasure: { unit: 'W', multiplier: 2 }, context: 'Sample.Periodic' },
    ] }],
  });
  out.ended = await cli.call('TransactionEvent', {
    eventType: 'Ended', timestamp: T2, triggerReason: 'StopAuthorized', seqNo: 2, idToken,
    transactionInfo: { ...info, chargingState: 'Idle', stoppedReason: 'Local' },
    meterValue: register(T2, 2500, 'Transaction.End'),
  });
  return out;
}

async function calls(cli) {
  const out = {};
  const listed = JSON.parse(fs.readFileSync(callsFile, 'utf8'))[version];
  for (const [action, { request }] of Object.entries(listed)) {
    out[action] = await cli.call(action, request);
  }
  return out;
}

(async () => {
  const cli = new RPCClient({
    endpoint, identity, protocols: [version === '1.6' ? 'ocpp1.6' : 'ocpp2.0.1'], strictMode: true, reconnect: false,
  });
  await cli.connect();
  const out = await (callsFile ? calls : version === '1.6' ? v16 : v201)(cli);
  out.protocol = cli.protocol;
  await cli.close({ code: 1000 });
  process.stdout.write(JSON.stringify(out));
})().catch((err) => {
  process.stderr.write(`${err.stack || err}\n${JSON.stringify(err.details || {})}\n`);
  process.exit(1);
});
