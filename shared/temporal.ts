import { readFileSync } from 'node:fs';
import type { Config } from './config.ts';

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
