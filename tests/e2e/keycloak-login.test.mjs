// A real browser signs in at the real Keycloak's login page of the test realm
// with PKCE, and the resulting token names the user's FHIR record.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwtPayload, launchBrowser, pkcePair, redirectCatcher, requiredEnv } from './browser.mjs';

const keycloak = requiredEnv('PROXYSMART_TEST_KEYCLOAK_URL');
const realm = requiredEnv('PROXYSMART_TEST_REALM');
const callbackPort = 18089; // registered for the test realm's app clients
const oidc = `${keycloak}/realms/${realm}/protocol/openid-connect`;

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

async function authorize(page, catcher, username, password, scope) {
  const { verifier, challenge } = pkcePair();
  const state = `state-${Date.now()}`;
  const url = new URL(`${oidc}/auth`);
  url.search = new URLSearchParams({
    response_type: 'code', client_id: 'smart-public-app', redirect_uri: catcher.url,
    scope, state, code_challenge: challenge, code_challenge_method: 'S256',
  }).toString();
  await page.goto(url.toString());
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('#kc-login');
  return { verifier, state };
}

test('a patient signs in through the login page and gets a token naming her Patient record', async () => {
  const catcher = await redirectCatcher(callbackPort, '/callback');
  try {
    const page = await (await browser.newContext()).newPage();
    const { verifier, state } = await authorize(page, catcher, 'alice', 'alice-password',
      'openid fhirUser patient/*.rs');
    const redirect = await catcher.waitFor(30000);
    assert.equal(redirect.searchParams.get('state'), state);
    const code = redirect.searchParams.get('code');
    assert.ok(code, 'the redirect carries an authorization code');

    const response = await fetch(`${oidc}/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: catcher.url,
        client_id: 'smart-public-app', code_verifier: verifier }),
    });
    assert.equal(response.status, 200);
    const tokens = await response.json();
    const claims = decodeJwtPayload(tokens.access_token);
    assert.equal(claims.fhirUser, 'Patient/patient-01');
    assert.ok(tokens.scope.split(' ').includes('patient/*.rs'), `scope was ${tokens.scope}`);
    assert.equal(decodeJwtPayload(tokens.id_token).fhirUser, 'Patient/patient-01');
  } finally {
    await catcher.close();
  }
});

test('the code is refused when exchanged without its PKCE verifier', async () => {
  const catcher = await redirectCatcher(callbackPort, '/callback');
  try {
    const page = await (await browser.newContext()).newPage();
    await authorize(page, catcher, 'bob', 'bob-password', 'openid');
    const redirect = await catcher.waitFor(30000);
    const response = await fetch(`${oidc}/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: redirect.searchParams.get('code'),
        redirect_uri: catcher.url, client_id: 'smart-public-app' }),
    });
    assert.equal(response.status, 400);
    assert.equal((await response.json()).error, 'invalid_grant');
  } finally {
    await catcher.close();
  }
});

test('a wrong password stays on the login page with an error and issues no code', async () => {
  const catcher = await redirectCatcher(callbackPort, '/callback');
  try {
    const page = await (await browser.newContext()).newPage();
    await authorize(page, catcher, 'alice', 'not-her-password', 'openid');
    await page.waitForSelector('#input-error, .kc-feedback-text, [id*="error"]', { timeout: 15000 });
    assert.ok(page.url().startsWith(keycloak), 'still on Keycloak');
    await assert.rejects(catcher.waitFor(1500), /no redirect/);
  } finally {
    await catcher.close();
  }
});
