// Showing a URL without its secrets: in problem lines, the banner and logs.

/** Masks a URL's password and query values, for messages and the banner. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    for (const k of [...u.searchParams.keys()]) u.searchParams.set(k, '***');
    return u.href;
  } catch {
    return '(unparseable URL)';
  }
}
