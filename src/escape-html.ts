// THE HTML escape, for every page llrecon or its simulator writes (the admin pages, the WEB Payment form, the
// simulator's cashier). Pure: no imports, so the protocol room and the simulator may use it.

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escape text for use in element content and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}
