import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { afterAll, describe, expect, it } from 'vitest';
import { AesGcmPayloadCodec, devKeyFile, parseCodecKeys, resolveCodecKeys, startCodecServer, type CodecServer } from '../platform/codec';
import { loadEnv } from '../platform/env';
import { approvalRefusal } from '../common/approvers';

const key = (fill: number): string => Buffer.alloc(32, fill).toString('base64');
const keys = (current: string, entries: Record<string, string>) => parseCodecKeys(JSON.stringify({ current, keys: entries }));
const payload = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const value = (p: Payload): unknown => defaultPayloadConverter.fromPayload(p);
const str = (bytes: Uint8Array | null | undefined): string => Buffer.from(bytes ?? new Uint8Array()).toString('latin1');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'civicos-codec-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('AES-256-GCM payload codec', () => {
  const k1 = keys('k1', { k1: key(1) });

  it('encrypts the whole payload (data and metadata) and names the key id in clear metadata', async () => {
    const [sealed] = await new AesGcmPayloadCodec(k1).encode([payload({ user_prompt: 'Dear Ada, your gift of EUR 40' })]);
    expect(str(sealed!.metadata!.encoding)).toBe('binary/encrypted');
    expect(str(sealed!.metadata!['encryption-key-id'])).toBe('k1');
    expect(str(sealed!.data)).not.toMatch(/Ada|EUR|user_prompt|json\/plain/);
    const [opened] = await new AesGcmPayloadCodec(k1).decode([sealed!]);
    expect(value(opened!)).toEqual({ user_prompt: 'Dear Ada, your gift of EUR 40' });
    // A fresh IV each time: the same value never encrypts to the same bytes.
    const [again] = await new AesGcmPayloadCodec(k1).encode([payload({ user_prompt: 'Dear Ada, your gift of EUR 40' })]);
    expect(str(again!.data)).not.toBe(str(sealed!.data));
  });

  it('rotation: the current key encrypts, older listed keys still decrypt', async () => {
    const [old] = await new AesGcmPayloadCodec(k1).encode([payload('written under k1')]);
    const rotated = new AesGcmPayloadCodec(keys('k2', { k2: key(2), k1: key(1) }));
    expect(value((await rotated.decode([old!]))[0]!)).toBe('written under k1');
    const [fresh] = await rotated.encode([payload('written under k2')]);
    expect(str(fresh!.metadata!['encryption-key-id'])).toBe('k2');
    await expect(new AesGcmPayloadCodec(k1).decode([fresh!])).rejects.toThrow(/payload encrypted with key id "k2", which this process does not have \(it has: k1\)\. Fix: add that key to CIVICOS_CODEC_KEYS/);
  });

  it('refuses tampered ciphertext and a payload relabelled to another key id', async () => {
    const both = new AesGcmPayloadCodec(keys('k1', { k1: key(1), k2: key(1) }));
    const [sealed] = await both.encode([payload('x')]);
    const flipped = Buffer.from(sealed!.data!);
    flipped[20] = flipped[20]! ^ 1;
    await expect(both.decode([{ ...sealed!, data: flipped }])).rejects.toThrow(/unable to authenticate|auth/i);
    // Same key bytes under another id: the key id is authenticated data, so the relabel fails.
    await expect(both.decode([{ ...sealed!, metadata: { ...sealed!.metadata, 'encryption-key-id': Buffer.from('k2') } }])).rejects.toThrow(/unable to authenticate|auth/i);
  });

  it('passes payloads that are not ours through decode (e.g. a start by the temporal CLI without a codec)', async () => {
    const plain = payload({ a: 1 });
    expect(await new AesGcmPayloadCodec(k1).decode([plain])).toEqual([plain]);
  });
});

describe('CIVICOS_CODEC_KEYS (validated with the rest of the environment)', () => {
  it.each([
    ['not json', '{oops', /CIVICOS_CODEC_KEYS: not valid JSON\. Fix:/],
    ['current not listed', JSON.stringify({ current: 'k9', keys: { k1: key(1) } }), /CIVICOS_CODEC_KEYS\.current: must name one of the listed keys/],
    ['short key', JSON.stringify({ current: 'k1', keys: { k1: Buffer.alloc(16).toString('base64') } }), /CIVICOS_CODEC_KEYS\.keys\.k1: expected 32 bytes \(AES-256\) of base64/],
    ['bad key id', JSON.stringify({ current: 'k 1', keys: { 'k 1': key(1) } }), /CIVICOS_CODEC_KEYS\.current: key ids are 1-64 letters/],
    ['no keys', JSON.stringify({ current: 'k1', keys: {} }), /CIVICOS_CODEC_KEYS\.keys: list at least one key/],
    ['missing file', path.join(tmp, 'nope.json'), /CIVICOS_CODEC_KEYS: cannot read the key file .*nope\.json \(ENOENT\)/],
  ])('%s → an error naming the field, never the key', (_name, raw, message) => {
    let error: Error | undefined;
    try {
      loadEnv({ CIVICOS_CODEC_KEYS: raw });
    } catch (e) {
      error = e as Error;
    }
    expect(error?.name).toBe('ConfigError');
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toContain(Buffer.alloc(16).toString('base64'));
  });

  it('accepts JSON or a file path', () => {
    const file = path.join(tmp, 'keys.json');
    fs.writeFileSync(file, JSON.stringify({ current: 'k2', keys: { k2: key(2), k1: key(1) } }));
    const fromFile = loadEnv({ CIVICOS_CODEC_KEYS: file }).codecKeys!;
    expect(fromFile).toMatchObject({ current: 'k2', source: file });
    expect([...fromFile.keys.keys()]).toEqual(['k2', 'k1']);
    expect(loadEnv({ CIVICOS_CODEC_KEYS: JSON.stringify({ current: 'k1', keys: { k1: key(1) } }) }).codecKeys!.source).toBe('CIVICOS_CODEC_KEYS');
  });

  it('without keys: a process refuses to guess; npm start generates a dev key (0600) that later processes share', () => {
    const dataDir = path.join(tmp, 'data');
    expect(() => resolveCodecKeys(undefined, dataDir)).toThrow(/CIVICOS_CODEC_KEYS is not set and there is no dev key at .*codec-keys\.json/);
    const generated = resolveCodecKeys(undefined, dataDir, { generateDevKey: true });
    expect(generated).toMatchObject({ generated: true, source: devKeyFile(dataDir) });
    expect(fs.statSync(devKeyFile(dataDir)).mode & 0o777).toBe(0o600);
    const reused = resolveCodecKeys(undefined, dataDir, { generateDevKey: true });
    expect(reused).toMatchObject({ generated: false, current: generated.current });
    expect(reused.keys.get(reused.current)).toEqual(generated.keys.get(generated.current));
  });
});

describe('approvers and identity configuration', () => {
  it('CIVICOS_APPROVERS replaces config/approvers.ts and is validated by field', () => {
    expect(loadEnv({}).approvers['send-comms']).toEqual(['ada.okafor', 'mara.lindqvist']);
    expect(loadEnv({ CIVICOS_APPROVERS: '{"send-comms":["jo"]}' }).approvers).toEqual({ 'send-comms': ['jo'] });
    expect(() => loadEnv({ CIVICOS_APPROVERS: '{"send-comms":[]}' })).toThrow(/CIVICOS_APPROVERS\[send-comms\]: list at least one approver/);
    expect(() => loadEnv({ CIVICOS_APPROVERS: '{"Send Comms":["jo"]}' })).toThrow(/CIVICOS_APPROVERS\[Send Comms\]: action names are lower-case/);
    expect(() => loadEnv({ CIVICOS_APPROVERS: 'x' })).toThrow(/CIVICOS_APPROVERS: not valid JSON/);
  });

  it('the identity is CIVICOS_IDENTITY, else the OS user', () => {
    expect(loadEnv({}).identity).toBe(os.userInfo().username);
    expect(loadEnv({ CIVICOS_IDENTITY: 'ada.okafor' }).identity).toBe('ada.okafor');
    expect(() => loadEnv({ CIVICOS_IDENTITY: '<script>' })).toThrow(/CIVICOS_IDENTITY=.*an identity is 1-64 letters/);
  });

  it.each([
    ['approve', 'mara', null],
    ['approve', 'ada', /ada drafted this run and cannot approve their own draft/],
    ['approve', 'ADA ', /cannot approve their own draft/],
    ['approve', 'eve', /eve is not an approver for send-comms \(approvers: ada, mara;/],
    ['reject', 'ada', null],
    ['reject', 'eve', /not an approver/],
  ] as const)('%s by %s', (decision, by, refusal) => {
    const result = approvalRefusal({ action: 'send-comms', approvers: ['ada', 'mara'], draftedBy: 'ada' }, decision, by);
    if (refusal === null) expect(result).toBeUndefined();
    else expect(result).toMatch(refusal);
  });
});

describe('codec server (Temporal remote codec protocol)', () => {
  let server: CodecServer;
  const ui = 'http://127.0.0.1:18233';
  afterAll(async () => server?.close());

  it('POST /encode and /decode in JSON with base64; CORS for the Web UI origin only; preflight allows X-Namespace', async () => {
    server = await startCodecServer({ codec: new AesGcmPayloadCodec(keys('k1', { k1: key(1) })), uiOrigins: [ui], port: 0 });
    const plain = { metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from('"hello donors"').toString('base64') };
    const post = (route: string, body: unknown, origin = ui) =>
      fetch(`${server.url}${route}`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Namespace': 'default', Origin: origin }, body: JSON.stringify(body) });

    const encoded = await post('/encode', { payloads: [plain] });
    expect(encoded.status).toBe(200);
    expect(encoded.headers.get('access-control-allow-origin')).toBe(ui);
    const sealed = ((await encoded.json()) as { payloads: Array<{ metadata: Record<string, string>; data: string }> }).payloads[0]!;
    expect(Buffer.from(sealed.metadata.encoding!, 'base64').toString()).toBe('binary/encrypted');
    expect(Buffer.from(sealed.data, 'base64').toString('latin1')).not.toContain('hello donors');

    const decoded = await post('/decode', { payloads: [sealed] });
    expect(decoded.status).toBe(200);
    expect(await decoded.json()).toEqual({ payloads: [plain] });

    const preflight = await fetch(`${server.url}/decode`, {
      method: 'OPTIONS',
      headers: { Origin: ui, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,x-namespace' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(ui);
    expect(preflight.headers.get('access-control-allow-methods')).toMatch(/POST/);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/X-Namespace/);

    const foreign = await post('/decode', { payloads: [sealed] }, 'http://evil.example');
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    expect(JSON.stringify(await foreign.json())).not.toContain('hello donors');
    const foreignPreflight = await fetch(`${server.url}/decode`, { method: 'OPTIONS', headers: { Origin: 'http://localhost:9999', 'Access-Control-Request-Method': 'POST' } });
    expect(foreignPreflight.status).toBe(403);

    expect((await post('/decode', { nope: 1 })).status).toBe(400);
    expect((await post('/other', { payloads: [] })).status).toBe(404);
    const otherKey = await startCodecServer({ codec: new AesGcmPayloadCodec(keys('k2', { k2: key(2) })), uiOrigins: [ui], port: 0 });
    try {
      const refused = await fetch(`${otherKey.url}/decode`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ payloads: [sealed] }) });
      expect(refused.status).toBe(422);
      expect(((await refused.json()) as { message: string }).message).toMatch(/key id "k1", which this process does not have/);
    } finally {
      await otherKey.close();
    }
  });
});
