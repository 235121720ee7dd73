import { readFileSync } from 'node:fs';
import { DefaultFailureConverter, defaultPayloadConverter, type DataConverter, type LoadedDataConverter } from '@temporalio/common';
import type { Config } from './config.ts';
import { configKeyRing } from './key-ring.ts';
import { EncryptionCodec } from './payload-codec.ts';

/** Connection options for both Client and NativeConnection: plain, mTLS, or API key (Temporal Cloud). */
export function temporalConnectionOptions(cfg: Config) {
	const tls =
		cfg.TEMPORAL_TLS_CERT && cfg.TEMPORAL_TLS_KEY
			? { clientCertPair: { crt: readFileSync(cfg.TEMPORAL_TLS_CERT), key: readFileSync(cfg.TEMPORAL_TLS_KEY) } }
			: cfg.TEMPORAL_API_KEY
				? true
				: undefined;
	return { address: cfg.TEMPORAL_ADDRESS, ...(tls ? { tls } : {}), ...(cfg.TEMPORAL_API_KEY ? { apiKey: cfg.TEMPORAL_API_KEY } : {}) };
}

/**
 * What every Temporal client Tend makes encodes with: payloads and failure messages sealed with
 * the key ring (shared/payload-codec.ts). Handed over already loaded, since a web bundle cannot
 * `require` a converter by path the way a worker does (worker/data-converter.ts).
 */
export function temporalDataConverter(cfg: { TEND_SECRET_KEYS: readonly string[] }): DataConverter {
	// Messages and stack traces travel as encoded attributes, sealed with the rest (as worker/failure-converter.cjs does).
	const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
	const loaded: LoadedDataConverter = { payloadConverter: defaultPayloadConverter, failureConverter, payloadCodecs: [new EncryptionCodec(configKeyRing(cfg))] };
	return loaded;
}
