'use strict';
/**
 * Failures with their message and stack trace moved into an encoded payload, so the payload codec
 * seals them too: a step's error can quote what it read (a row, a response body). Loaded by path
 * (worker/data-converter.ts), because the worker bundles it into workflow code as well as
 * `require`-ing it itself — hence plain CommonJS, which every process can require. Clients use
 * the same options (shared/temporal.ts temporalDataConverter).
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS on purpose (above)
const { DefaultFailureConverter } = require('@temporalio/common');

exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
