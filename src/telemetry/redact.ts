// The one redaction of URLs and connection strings, used wherever a URL is shown: PR bodies,
// comments, status, Events, logs and errors. User names and passwords in the authority and
// secret-looking query parameters become "***" (a user name is kept when a password follows it,
// and masked when it stands alone, as a token in https://TOKEN@host does); text that is not a valid URL is redacted by
// pattern, so a malformed PROMETHEUS_URL or REDIS_URL is never echoed with its password.

const MASK = "***";
/** Query parameters whose values are credentials (compared lower-case, "-" and "_" ignored). */
const SECRET_PARAMS = new Set([
  "password",
  "passwd",
  "pass",
  "pwd",
  "token",
  "accesstoken",
  "authtoken",
  "apikey",
  "key",
  "secret",
  "clientsecret",
  "auth",
  "authorization",
  "sig",
  "signature",
  "credential",
  "credentials",
  "xamzsecuritytoken",
  "xamzsignature",
]);

const secretParam = (name: string) => SECRET_PARAMS.has(name.toLowerCase().replace(/[-_]/g, ""));

function byPattern(text: string): string {
  return (
    text
      // scheme://user:pass@host and scheme://token@host
      .replace(
        /(\b[a-z][a-z0-9+.-]*:\/\/)([^\s/?#@:]*)(:[^/?#\n]*)?@/gi,
        (_m, scheme: string, user: string, pass?: string) =>
          pass === undefined ? `${scheme}${MASK}@` : `${scheme}${user}:${MASK}@`,
      )
      // ?password=...&token=...
      .replace(/([?&;]([^=&\s#]+)=)([^&\s#]*)/g, (m, lead: string, name: string) =>
        secretParam(name) ? `${lead}${MASK}` : m,
      )
  );
}

/** A URL or connection string with its credentials replaced by "***". */
export function redactUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return byPattern(raw);
  }
  const secrets = [...u.searchParams.keys()].filter(secretParam);
  // Nothing to hide: shown exactly as written (URL would add a trailing "/").
  if (!u.username && !u.password && secrets.length === 0) return raw;
  if (u.password) u.password = MASK;
  else if (u.username) u.username = MASK;
  for (const name of secrets) u.searchParams.set(name, MASK);
  // URLSearchParams encodes "***" as "%2A%2A%2A"; show it as written.
  return u.toString().replace(/%2A%2A%2A/g, MASK);
}

/** Free text (an error message, a log line) with every URL in it redacted. */
export function redactText(text: string): string {
  return byPattern(text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi, (url) => redactUrl(url)));
}
