import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readOnCall } from '../src/import/oncallApi.js';
import { json, startFixtureServer, type FixtureServer } from './support/fixtureServer.js';

let oncall: FixtureServer;

const page = (results: unknown[], next: string | null = null) =>
  json({ count: results.length, next, previous: null, results });
const empty = () => page([]);

beforeAll(async () => {
  oncall = await startFixtureServer();
});
beforeEach(() => oncall.reset());
afterAll(() => oncall.close());

describe('reading OnCall', () => {
  it('waits out a 429 for its Retry-After, follows `next` on the given origin only, and keeps a path prefix', async () => {
    let limited = false;
    oncall.route('/oncall/api/v1/users/', (req) => {
      if (!limited) {
        limited = true;
        return { status: 429, body: { detail: 'Request was throttled.' }, headers: { 'retry-after': '0' } };
      }
      const user = (n: number) => ({ id: `U${n}`, email: `u${n}@example.com`, username: `u${n}` });
      // OnCall behind a proxy builds `next` from its own host name.
      if (req.query.get('page') !== '2')
        return page([user(1)], 'http://oncall-engine:8080/oncall/api/v1/users/?page=2');
      return page([user(2)]);
    });
    oncall.route(/^\/oncall\/api\/v1\/[a-z_]+\/$/, empty);

    const read = await readOnCall({ url: `${oncall.url}/oncall/api/v1/`, token: 'secret' });
    expect(read.users.map((u) => u.username)).toEqual(['u1', 'u2']);
    expect(oncall.requests.slice(0, 3).map((r) => `${r.path}?${r.query}`)).toEqual([
      '/oncall/api/v1/users/?',
      '/oncall/api/v1/users/?',
      '/oncall/api/v1/users/?page=2',
    ]);
  });

  it('says which item is not as documented, and when an answer is not a page', async () => {
    oncall.route('/api/v1/users/', () =>
      page([
        { id: 'U1', email: 'a@example.com', username: 'a' },
        { id: 'U2', email: 'b@example.com' },
      ])
    );
    await expect(readOnCall({ url: oncall.url, token: 't' })).rejects.toThrow(
      "OnCall's /api/v1/users/ item 1 (username) is not as its API reference documents"
    );
    oncall.reset();
    oncall.route('/api/v1/users/', () => ({ status: 200, body: '<html>Grafana</html>', contentType: 'text/html' }));
    await expect(readOnCall({ url: oncall.url, token: 't' })).rejects.toThrow(
      /is not JSON: is http:\/\/127\.0\.0\.1:\d+ OnCall's API URL\?/
    );
  });

  it('asks whether the URL is right when the API is not there', async () => {
    await expect(readOnCall({ url: `${oncall.url}/grafana`, token: 't' })).rejects.toThrow(
      /^OnCall answered HTTP 404 for \/grafana\/api\/v1\/users\/: is http:\/\/127\.0\.0\.1:\d+ OnCall's API URL\?$/
    );
  });

  it('stops on a page that points back at itself instead of looping', async () => {
    oncall.route('/api/v1/users/', () => page([], `${oncall.url}/api/v1/users/`));
    await expect(readOnCall({ url: oncall.url, token: 't' })).rejects.toThrow(/pages of \/api\/v1\/users\/ do not end/);
  });
});
