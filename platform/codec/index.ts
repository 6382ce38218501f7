import type { DataConverter } from '@temporalio/common';
import { encryptingDataConverter } from './aes-gcm-codec';
import { ConfigError } from '../env';
import { CodecKeyError, resolveCodecKeys, type CodecKeys } from './keys';

export { AesGcmPayloadCodec, encryptingDataConverter, ENCRYPTED_ENCODING, KEY_ID_METADATA, PayloadKeyUnknownError } from './aes-gcm-codec';
export { startCodecServer, type CodecServer, type CodecServerOptions } from './codec-server';
export { devKeyFile, parseCodecKeys, resolveCodecKeys, CodecKeyError, type CodecKeys } from './keys';

/**
 * The encrypting data converter for a process's configuration: CIVICOS_CODEC_KEYS, else the dev
 * key in the data directory (created only when `generateDevKey`: npm start, dev-server). A bad
 * or missing key is a ConfigError naming CIVICOS_CODEC_KEYS (exit 2 in the CLI).
 */
export function dataConverterFor(env: { codecKeys: CodecKeys | undefined; dataDir: string }, options: { generateDevKey?: boolean } = {}): DataConverter {
  try {
    return encryptingDataConverter(resolveCodecKeys(env.codecKeys, env.dataDir, options));
  } catch (error) {
    throw error instanceof CodecKeyError ? new ConfigError(error.problems) : error;
  }
}
