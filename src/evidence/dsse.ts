/**
 * DSSE (Dead Simple Signing Envelope, secure-systems-lab/dsse v1): the signature covers
 * PAE(payloadType, payload), never the JSON around it, so re-serialising the envelope cannot
 * change what was signed and the payload type cannot be swapped.
 */
import { createHash } from 'node:crypto';

/** The payload type of an in-toto Statement in a DSSE envelope. */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

export interface EnvelopeSignature {
  keyid?: string;
  /** Base64 signature over PAE(payloadType, payload bytes). */
  sig: string;
}

export interface Envelope {
  payloadType: string;
  /** Base64 of the payload bytes (the Statement's JSON). */
  payload: string;
  signatures: EnvelopeSignature[];
}

/**
 * Pre-Authentication Encoding: `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, LEN being
 * the byte length in ASCII decimal. This is the exact byte string a signature covers.
 */
export function pae(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `, 'utf8'),
    type,
    Buffer.from(` ${payload.length} `, 'utf8'),
    payload,
  ]);
}

/** The bytes an envelope is written as (file, registry blob, S3 object): its digest names it. */
export function encodeEnvelope(envelope: Envelope): Buffer {
  return Buffer.from(`${JSON.stringify(envelope, null, 2)}\n`, 'utf8');
}

/** sha256 (hex) of an envelope's bytes: the attestation digest tags and records cite. */
export function attestationDigest(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function payloadBytes(envelope: Envelope): Buffer {
  return Buffer.from(envelope.payload, 'base64');
}
