import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../src/index.js';

describe('redactUrl', () => {
  it('hides the password of the user info, whatever it holds, and keeps the rest as written', () => {
    const cases: [string, string][] = [
      ['postgres://app:s3cret@db.example.com:5432/rookery', 'postgres://app:***@db.example.com:5432/rookery'],
      ['postgres://app:p%40ss%3Aw%2Frd@db/rookery', 'postgres://app:***@db/rookery'],
      ['mysql://root:p@ss@127.0.0.1:3306/db', 'mysql://root:***@127.0.0.1:3306/db'],
      ['mariadb://root:a:b:c@host/db', 'mariadb://root:***@host/db'],
      ['postgres://app:pa/ss@host/db', 'postgres://app:***@host/db'],
      ['http://u:12/ss@host/x', 'http://u:***@host/x'],
      ['https://user:pass@hooks.example.com/path?x=1', 'https://user:***@hooks.example.com/path?x=1'],
      ['postgres://app@db/rookery', 'postgres://app@db/rookery'],
      ['postgres://db.example.com/rookery', 'postgres://db.example.com/rookery'],
      ['https://hooks.example.com/a/@me', 'https://hooks.example.com/a/@me'],
      ['sqlite:./rookery.db', 'sqlite:./rookery.db'],
    ];
    for (const [url, shown] of cases) expect(redactUrl(url), url).toBe(shown);
  });

  it('hides secret query parameters, encoded or not, and leaves the others', () => {
    expect(redactUrl('postgres://db/rookery?user=app&password=s3cret&sslmode=require')).toBe(
      'postgres://db/rookery?user=app&password=***&sslmode=require',
    );
    expect(redactUrl('postgres://db/r?sslpassword=k%40y&application_name=x#frag')).toBe(
      'postgres://db/r?sslpassword=***&application_name=x#frag',
    );
    expect(redactUrl('https://h/x?access_token=abc&api_key=def&Sig=1&page=2')).toBe(
      'https://h/x?access_token=***&api_key=***&Sig=***&page=2',
    );
    expect(redactUrl('mssql://u:p@h/db?pass%77ord=x')).toBe('mssql://u:***@h/db?pass%77ord=***');
    expect(redactUrl('sqlite:./r.db?password=x')).toBe('sqlite:./r.db?password=***');
  });

  it('handles what new URL refuses: no password, raw spaces, a bad port, no URL at all', () => {
    expect(redactUrl('postgres://app:pa ss@ho st:99999/db')).toBe('postgres://app:***@ho st:99999/db');
    expect(redactUrl('not a url ?password=x')).toBe('not a url ?password=***');
    expect(redactUrl('')).toBe('');
  });
});
