import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import { configKeyRing } from '../shared/key-ring.ts';
import { EncryptionCodec } from '../shared/payload-codec.ts';

/** The failure converter goes by path: the worker bundles it into workflow code as well as loading it itself. */
export const failureConverterPath = fileURLToPath(new URL('./failure-converter.cjs', import.meta.url));

/** The worker's side of shared/temporal.ts temporalDataConverter: the same codec and failure converter. */
export function workerDataConverter(cfg: { TEND_SECRET_KEYS: readonly string[] }): DataConverter {
	return { failureConverterPath, payloadCodecs: [new EncryptionCodec(configKeyRing(cfg))] };
}
