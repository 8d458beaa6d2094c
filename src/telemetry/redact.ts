// The one redaction for every URL costopt shows (logs, messages, PR bodies): a password or token
// in the userinfo becomes "***"; a URL that does not parse is not echoed at all.

/** scheme://user:secret@host -> scheme://user:***@host. */
export function redactUrl(url: string, what = "URL"): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return `(unparseable ${what})`;
  }
}
