/** Requests to the page's API with the operator's credentials, and the one live stream. */

const TOKEN_KEY = 'ocpp-actors-operator-token';

export class AuthError extends Error {
  override readonly name = 'AuthError';
}

/** A `#token=…` in the address is taken once, kept for this tab, and removed from the address bar. */
export function takeTokenFromUrl(): void {
  const m = /^#token=([^&]+)/.exec(location.hash);
  if (!m) return;
  sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]!));
  history.replaceState(null, '', `${location.pathname}${location.search}#/`);
}

export function setCredentials(token: string | undefined, basic?: { user: string; password: string }): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else if (basic) sessionStorage.setItem(TOKEN_KEY, `basic:${btoa(`${basic.user}:${basic.password}`)}`);
  else sessionStorage.removeItem(TOKEN_KEY);
}

function authHeaders(): Record<string, string> {
  const t = sessionStorage.getItem(TOKEN_KEY);
  if (!t) return {};
  return { Authorization: t.startsWith('basic:') ? `Basic ${t.slice(6)}` : `Bearer ${t}` };
}

export async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: authHeaders() });
  if (res.status === 401 || res.status === 403) throw new AuthError(String(res.status));
  if (!res.ok) throw new Error(`${path}: ${res.status} ${(await res.text()).slice(0, 200)}`);
  return (await res.json()) as T;
}

export async function postJson<T>(path: string, body: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(path, {
    method: 'POST',
    headers: { ...authHeaders(), 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status === 401 || res.status === 403) throw new AuthError(String(res.status));
  return { status: res.status, body: (await res.json()) as T };
}

/**
 * The server-sent events of `api/stream`, read with fetch (EventSource cannot send the token).
 * Resolves when the stream ends; rejects with AuthError on 401/403.
 */
export async function readStream(
  onEvent: (name: string, data: unknown) => void,
  signal: AbortSignal,
): Promise<void> {
  const res = await fetch('api/stream', { headers: authHeaders(), signal });
  if (res.status === 401 || res.status === 403) throw new AuthError(String(res.status));
  if (!res.ok || !res.body) throw new Error(`stream: ${res.status}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = 'message';
      let data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) name = line.slice(7);
        else if (line.startsWith('data: ')) data += line.slice(6);
      }
      if (data) onEvent(name, JSON.parse(data));
      end = buffer.indexOf('\n\n');
    }
  }
}
