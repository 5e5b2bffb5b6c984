import { describe, expect, it } from 'vitest';
import { BrowserTokens } from './browser-tokens.js';

describe('BrowserTokens', () => {
  it('accepts its own unexpired tokens and names the key they were issued under', () => {
    let now = 1_000_000;
    const tokens = new BrowserTokens('a-secret-of-at-least-32-characters!!', 60_000, () => now);
    const { token, expires_at } = tokens.issue('key_abc');
    expect(new Date(expires_at).getTime()).toBe(1_060_000);
    expect(tokens.verify(token)).toBe('key_abc');
    now += 59_999;
    expect(tokens.verify(token)).toBe('key_abc');
    now += 1;
    expect(tokens.verify(token)).toBeUndefined();
  });

  it('refuses tampered, foreign and malformed tokens', () => {
    const tokens = new BrowserTokens('a-secret-of-at-least-32-characters!!', 60_000);
    const other = new BrowserTokens('another-secret-of-at-least-32-chars!', 60_000);
    const { token } = tokens.issue('key_abc');
    const [version, body, signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ k: 'key_other', s: 'listen', e: Date.now() + 1e9 })).toString('base64url');
    for (const bad of [
      other.issue('key_abc').token,
      `${version}.${forged}.${signature}`,
      `${version}.${body}.${signature!.slice(0, -2)}`,
      `${version}.${body}`,
      `pt2.${body}.${signature}`,
      '',
      'pt1...',
      `${token}.extra`,
    ]) {
      expect(tokens.verify(bad), bad).toBeUndefined();
    }
  });

  it('tokens of a process without a configured secret die with it', () => {
    const first = new BrowserTokens(undefined, 60_000);
    const second = new BrowserTokens(undefined, 60_000);
    expect(second.verify(first.issue(undefined).token)).toBeUndefined();
    expect(first.verify(first.issue(undefined).token)).toBeNull();
  });
});
