import { describe, expect, it } from 'vitest';
import { ephemeralLabels, ephemeralTags, expiry, newRunId, tagMap } from '../../../src/targets/labels.js';

const created = new Date('2026-11-28T08:00:00Z');
const labels = ephemeralLabels({ runId: 'r1', createdAt: created, ttlSeconds: 3600, artifact: 'sha256:abc' });

describe('ephemeral labels', () => {
  it('marks resources with run id, creation time, TTL and artifact; tags carry the same', () => {
    expect(labels).toEqual({
      'imagegate:ephemeral': 'true',
      'imagegate:run-id': 'r1',
      'imagegate:created-at': '2026-11-28T08:00:00.000Z',
      'imagegate:ttl': '3600',
      'imagegate:artifact': 'sha256:abc',
    });
    expect(
      tagMap(ephemeralTags({ runId: 'r1', createdAt: created, ttlSeconds: 3600, artifact: 'sha256:abc' })),
    ).toEqual(labels);
  });

  it('expires a resource only once its own TTL has passed', () => {
    expect(expiry(labels, new Date('2026-11-28T08:59:59Z'))).toMatchObject({
      expired: false,
      ageSeconds: 3599,
    });
    expect(expiry(labels, new Date('2026-11-28T09:00:00Z'))).toEqual({ expired: true, ageSeconds: 3600 });
  });

  it('lets --older-than override the TTL in both directions', () => {
    expect(expiry(labels, new Date('2026-11-28T08:10:00Z'), 300)).toEqual({ expired: true, ageSeconds: 600 });
    expect(expiry(labels, new Date('2026-11-28T09:30:00Z'), 7200).expired).toBe(false);
  });

  it('never expires what is not labelled ephemeral=true', () => {
    expect(expiry({ ...labels, 'imagegate:ephemeral': 'false' }, new Date('2030-01-01'), 0)).toMatchObject({
      expired: false,
      reason: 'not labelled ephemeral',
    });
    expect(expiry({ 'imagegate:run-id': 'r1' }, new Date('2030-01-01'), 0).expired).toBe(false);
  });

  it('keeps an unreadable creation time unless asked to sweep everything', () => {
    const broken = { ...labels, 'imagegate:created-at': 'yesterday' };
    expect(expiry(broken, new Date('2030-01-01'))).toMatchObject({
      expired: false,
      reason: 'unreadable imagegate:created-at',
    });
    expect(expiry(broken, new Date('2030-01-01'), 0).expired).toBe(true);
  });

  it('makes sortable, unique run ids', () => {
    const a = newRunId();
    expect(a).toMatch(/^\d{8}T\d{6}-[0-9a-f]{8}$/);
    expect(newRunId()).not.toBe(a);
  });
});
