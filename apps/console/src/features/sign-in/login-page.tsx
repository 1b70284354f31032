import { useState } from 'react';
import { api, storeToken, Unauthorized } from '../../api.js';
import { ErrorAlert, Note } from '../../components/messages.js';
import { Field, Form, formText } from '../../components/form.js';

/** Asks for the admin token and keeps it for this tab once the admin API accepts it. */
export function LoginPage({ onSignedIn }: { onSignedIn: (token: string) => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function signIn(fields: FormData) {
    const token = formText(fields, 'token');
    setBusy(true);
    try {
      await api('GET', '/admin/settings', undefined, token);
      storeToken(token);
      onSignedIn(token);
    } catch (failure) {
      setError(failure instanceof Unauthorized ? 'That admin token was refused.' : String(failure));
    } finally {
      setBusy(false);
    }
  }
  return (
    <main className="login">
      <h1>pushmail console</h1>
      <Form onSubmit={(fields) => void signIn(fields)}>
        <Field label="Admin token">
          <input name="token" type="password" autoComplete="current-password" required autoFocus />
        </Field>
        <Note>Kept for this browser tab only.</Note>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        {error && <ErrorAlert>{error}</ErrorAlert>}
      </Form>
    </main>
  );
}
