import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { CODEC_FAILURE } from '../../common/failures';
import type { CodecKeys } from './keys';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
export const CIPHER_METADATA = 'encryption-cipher';
const CIPHER = 'AES-256-GCM';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const utf8 = (value: string): Uint8Array => Buffer.from(value, 'utf8');
const text = (value: Uint8Array | null | undefined): string => (value ? Buffer.from(value).toString('utf8') : '');

/** A payload encrypted with a key this process does not hold (a key rotated out too early, or another deployment's). */
export class PayloadKeyUnknownError extends Error {
  override readonly name = CODEC_FAILURE.keyUnknown;
}

/**
 * Encrypts every payload (workflow inputs and results, activity inputs and results, signals,
 * updates, queries, memos) with AES-256-GCM before it leaves the process, so the server, its
 * database and `temporal workflow show` hold ciphertext only. The whole payload (its metadata and
 * data) is serialised and sealed; the key id travels in clear metadata so a rotated key still
 * decrypts old history. Payloads without our encoding (e.g. started by the `temporal` CLI without
 * a codec) pass through decode unchanged. Search attributes are not payloads: never put secrets there.
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  constructor(private readonly keys: Pick<CodecKeys, 'current' | 'keys'>) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const key = this.keys.keys.get(this.keys.current)!;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      // The key id is authenticated too: a payload cannot be relabelled to another key.
      cipher.setAAD(utf8(this.keys.current));
      const sealed = Buffer.concat([cipher.update(temporal.api.common.v1.Payload.encode(payload).finish()), cipher.final()]);
      return {
        metadata: { encoding: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8(this.keys.current), [CIPHER_METADATA]: utf8(CIPHER) },
        data: Buffer.concat([iv, sealed, cipher.getAuthTag()]),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (text(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return payload;
      const keyId = text(payload.metadata?.[KEY_ID_METADATA]);
      const key = this.keys.keys.get(keyId);
      if (!key) {
        throw new PayloadKeyUnknownError(
          `payload encrypted with key id "${keyId}", which this process does not have (it has: ${[...this.keys.keys.keys()].join(', ')}). Fix: add that key to CIVICOS_CODEC_KEYS`,
        );
      }
      const data = Buffer.from(payload.data ?? new Uint8Array());
      if (data.length < IV_BYTES + TAG_BYTES) throw new Error(`encrypted payload (key id "${keyId}") is too short to be one of ours`);
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAAD(utf8(keyId));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      const decoded = temporal.api.common.v1.Payload.decode(plain);
      return { metadata: decoded.metadata, data: decoded.data };
    });
  }
}

/** The data converter every Client and Worker of the project is created with. */
export function encryptingDataConverter(keys: Pick<CodecKeys, 'current' | 'keys'>): DataConverter {
  return { payloadCodecs: [new AesGcmPayloadCodec(keys)] };
}
