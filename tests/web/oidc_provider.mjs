// A real OpenID Connect provider on loopback for the single sign-on tests (npm
// oidc-provider). Ports and the client come from the environment; devInteractions accept
// any login, which becomes the subject, and the e-mail claim is "<login>" itself.
import Provider from 'oidc-provider';

const { OP_PORT, APP_PORT } = process.env;
const provider = new Provider(`http://127.0.0.1:${OP_PORT}`, {
  clients: [{
    client_id: 'safeguard-test', client_secret: 'safeguard-test-secret',
    redirect_uris: [`http://127.0.0.1:${APP_PORT}/auth/callback`],
    response_types: ['code'], grant_types: ['authorization_code'],
  }],
  async findAccount(ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        return { sub, email: sub, email_verified: !sub.startsWith('unverified') };
      },
    };
  },
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['safeguard-test-cookie-key'] },
  conformIdTokenClaims: false, // the e-mail in the ID token (the recipe's first trap)
});
provider.listen(Number(OP_PORT), '127.0.0.1', () => console.log('ready'));
