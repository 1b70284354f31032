import { useCallback, useState } from 'react';
import { storedToken, storeToken } from '../api.js';
import { ApiGuard } from '../components/api-guard.js';
import { LoginPage } from '../features/sign-in/login-page.js';
import { type Section, SECTIONS } from './sections.js';

/** The shell: sign-in, the navigation between sections, and sign-out when the token is refused. */
export function App() {
  const [token, setToken] = useState<string | null>(storedToken());
  const [current, setCurrent] = useState<Section>(SECTIONS[0]!);
  const signOut = useCallback(() => {
    storeToken(null);
    setToken(null);
  }, []);

  if (!token) return <LoginPage onSignedIn={setToken} />;
  return (
    <>
      <header>
        <h1>pushmail console</h1>
        <nav aria-label="Sections">
          <ul>
            {SECTIONS.map((section) => (
              <li key={section.id}>
                <button
                  type="button"
                  aria-current={section === current ? 'page' : undefined}
                  onClick={() => setCurrent(section)}
                >
                  {section.label}
                </button>
              </li>
            ))}
          </ul>
        </nav>
        <button type="button" onClick={signOut} style={{ marginLeft: 'auto' }}>
          Sign out
        </button>
      </header>
      <main>
        {/* Keyed by section, so a section's failure message does not follow the reader to the next. */}
        <ApiGuard onUnauthorized={signOut} key={current.id}>
          {current.render}
        </ApiGuard>
      </main>
    </>
  );
}
