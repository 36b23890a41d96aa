import { describe, expect, it } from 'vitest';
import { MemoryBackend } from './index.js';

describe('MemoryBackend', () => {
  it('starts at zero and reads synchronously', () => {
    const backend = new MemoryBackend();
    expect(backend.get()).toBe(0);
  });

  it('adds, subtracts and sets', () => {
    const backend = new MemoryBackend();
    backend.inc(2.5);
    backend.inc(1);
    expect(backend.get()).toBe(3.5);
    backend.dec(0.5);
    expect(backend.get()).toBe(3);
    backend.set(-7);
    expect(backend.get()).toBe(-7);
    backend.inc(Number.POSITIVE_INFINITY);
    expect(backend.get()).toBe(Number.POSITIVE_INFINITY);
  });

  it('keeps values of separate instances apart', () => {
    const a = new MemoryBackend();
    const b = new MemoryBackend();
    a.inc(1);
    expect(b.get()).toBe(0);
  });
});
