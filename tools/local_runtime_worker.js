// One execution environment of a Lambda function (Node.js) for tools/local_runtime.py.
//
//   node local_runtime_worker.js <task root> <handler>
//
// Loads the handler (`<module>.<export>`, as Lambda reads it) from the extracted code, then
// takes invocations from stdin, one JSON line each: {"id", "event", "context"}. Each answer is
// one JSON line on stdout: {"id", "ok": true, "result"} or {"id", "ok": false, "error"}. The
// first line is {"type": "ready"} or {"type": "init_error", "error"}.
//
// stdout belongs to that protocol: console.* and anything the handler writes to stdout go to
// stderr, one line per record in Lambda's format (`<time>\t<request id>\t<LEVEL>\t<message>`,
// newlines inside a record written as \r), which the runtime forwards to CloudWatch Logs.
'use strict';

const fs = require('fs');
const path = require('path');
const readline = require('readline');
const util = require('util');
const { pathToFileURL } = require('url');

const [taskRoot, handlerString] = process.argv.slice(2);
const protocolWrite = process.stdout.write.bind(process.stdout);
const logWrite = process.stderr.write.bind(process.stderr);
let currentRequestId;

function send(message) {
  protocolWrite(JSON.stringify(message) + '\n');
}

function record(level, args) {
  const text = util.format(...args);
  logWrite(`${new Date().toISOString()}\t${currentRequestId || 'undefined'}\t${level}\t${text}`.replace(/\r?\n/g, '\r') + '\n');
}

console.log = (...args) => record('INFO', args);
console.info = (...args) => record('INFO', args);
console.warn = (...args) => record('WARN', args);
console.error = (...args) => record('ERROR', args);
console.debug = (...args) => record('DEBUG', args);
console.trace = (...args) => record('TRACE', args);
// What is written to stdout directly is a log line too, never part of the protocol.
process.stdout.write = (chunk, encoding, callback) => process.stderr.write(chunk, encoding, callback);

function describeError(error) {
  if (error instanceof Error) {
    return {
      errorType: error.name || 'Error',
      errorMessage: error.message,
      trace: String(error.stack || '').split('\n'),
    };
  }
  return { errorType: typeof error === 'object' && error !== null ? 'Error' : 'string', errorMessage: String(error), trace: [] };
}

// "dir/module.export.nested" -> module "dir/module", export path ["export", "nested"].
function splitHandler(handler) {
  const slash = handler.lastIndexOf('/') + 1;
  const dot = handler.indexOf('.', slash);
  if (dot < 0) {
    throw Object.assign(new Error(`Bad handler ${handler}: expected <module>.<function>`), { name: 'Runtime.MalformedHandlerName' });
  }
  return { module: handler.slice(0, dot), exportPath: handler.slice(dot + 1).split('.') };
}

async function loadModule(base) {
  for (const extension of ['.js', '.mjs', '.cjs']) {
    const file = base + extension;
    if (!fs.existsSync(file)) {
      continue;
    }
    if (extension === '.mjs') {
      return import(pathToFileURL(file).href);
    }
    try {
      return require(file);
    } catch (error) {
      if (error && error.code === 'ERR_REQUIRE_ESM') {
        return import(pathToFileURL(file).href);
      }
      throw error;
    }
  }
  throw Object.assign(new Error(`Cannot find module '${path.basename(base)}'`), { name: 'Runtime.ImportModuleError' });
}

async function loadHandler() {
  const { module, exportPath } = splitHandler(handlerString);
  let target = await loadModule(path.resolve(taskRoot, module));
  for (const name of exportPath) {
    target = target == null ? undefined : target[name];
  }
  if (typeof target !== 'function') {
    throw Object.assign(new Error(`${module}.${exportPath.join('.')} is undefined or not exported`), { name: 'Runtime.HandlerNotFound' });
  }
  return target;
}

function invoke(handler, message) {
  const { id, event, context: info } = message;
  currentRequestId = info.awsRequestId;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (error, result) => {
      if (settled) {
        return;
      }
      settled = true;
      if (error !== null && error !== undefined) {
        const described = describeError(error);
        record('ERROR', ['Invoke Error \t' + JSON.stringify(described)]);
        resolve({ id, ok: false, error: described });
        return;
      }
      try {
        resolve({ id, ok: true, result: result === undefined ? null : JSON.parse(JSON.stringify(result)) });
      } catch (serializeError) {
        const described = describeError(serializeError);
        record('ERROR', ['Invoke Error \t' + JSON.stringify(described)]);
        resolve({ id, ok: false, error: described });
      }
    };
    const context = {
      callbackWaitsForEmptyEventLoop: true,
      functionName: info.functionName,
      functionVersion: info.functionVersion,
      invokedFunctionArn: info.invokedFunctionArn,
      memoryLimitInMB: String(info.memoryLimitInMB),
      awsRequestId: info.awsRequestId,
      logGroupName: info.logGroupName,
      logStreamName: info.logStreamName,
      identity: undefined,
      clientContext: undefined,
      getRemainingTimeInMillis: () => Math.max(0, info.deadlineMs - Date.now()),
      succeed: (result) => finish(null, result),
      fail: (error) => finish(error || new Error('handler failed')),
      done: (error, result) => finish(error, result),
    };
    try {
      const returned = handler(event, context, finish);
      if (returned && typeof returned.then === 'function') {
        returned.then((result) => finish(null, result), (error) => finish(error || new Error('rejected')));
      } else if (handler.length < 3) {
        finish(null, returned);
      }
      // Otherwise a callback-style handler: the answer is what it passes to the callback.
    } catch (error) {
      finish(error);
    }
  });
}

// As Lambda's Node.js runtime: an error nobody catches ends the execution environment.
process.on('uncaughtException', (error) => {
  record('ERROR', ['Uncaught Exception \t' + JSON.stringify(describeError(error))]);
  process.exit(129);
});
process.on('unhandledRejection', (reason) => {
  record('ERROR', ['Unhandled Promise Rejection \t' + JSON.stringify(describeError(reason))]);
  process.exit(128);
});

async function main() {
  let handler;
  try {
    handler = await loadHandler();
  } catch (error) {
    const described = describeError(error);
    record('ERROR', ['Init Error \t' + JSON.stringify(described)]);
    send({ type: 'init_error', error: described });
    process.exit(1);
  }
  send({ type: 'ready' });
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  // One invocation at a time, in order, as one Lambda execution environment does.
  let queue = Promise.resolve();
  lines.on('line', (line) => {
    if (!line.trim()) {
      return;
    }
    queue = queue.then(async () => {
      const answer = await invoke(handler, JSON.parse(line));
      send(answer);
      currentRequestId = undefined;
    });
  });
  lines.on('close', () => queue.then(() => process.exit(0)));
}

main();
